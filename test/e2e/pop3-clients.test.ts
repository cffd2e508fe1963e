// POP3 end to end: the real Pop3Server on 127.0.0.1 (port 110 style with STLS, and 995 style
// with implicit TLS) over an in-memory maildrop and a fake Authenticator, driven by Python's
// poplib, by raw sockets for the edge cases, and by fetchmail.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Authenticator, LoginRequest, LoginResult } from '../../src/auth/authenticator.ts';
import pino from 'pino';
import { silentLogger } from '../../src/core/logger.ts';
import { uidlOf } from '../../src/pop3/maildrop.ts';
import { MemoryMaildrops } from '../../src/pop3/memory-maildrop.ts';
import { Pop3Server, type Pop3ServerOptions } from '../../src/pop3/server.ts';
import { ensureSelfSigned } from '../../src/tls/self-signed.ts';
import { fixedServerTls, type ServerTls } from '../../src/tls/server-tls.ts';
import { needs, run } from '../harness/tools.ts';

const PASSWORD = 'correct horse';

class FakeAuthenticator implements Authenticator {
  readonly users = new Map<string, number>();
  readonly requests: LoginRequest[] = [];
  async login(req: LoginRequest): Promise<LoginResult> {
    this.requests.push(req);
    const id = this.users.get(req.username.toLowerCase());
    if (id === undefined || req.password !== PASSWORD) return { ok: false, reason: 'invalid' };
    const [local, domain] = req.username.toLowerCase().split('@');
    return { ok: true, account: { id, address: req.username.toLowerCase(), local, domain, passwordHash: '', quota: 0, createdAt: new Date() } };
  }
}

const DOTS = [
  'From: dots@example.test',
  'To: kim@example.test',
  'Subject: dots',
  '',
  '.starts with one dot',
  '..starts with two',
  '.',
  'middle . line',
  '...',
  'end',
  '',
].join('\r\n');

const plainMsg = (n: number): string => `From: a@example.test\r\nTo: kim@example.test\r\nSubject: message ${n}\r\n\r\nline 1 of ${n}\r\nline 2\r\nline 3\r\n`;

type Running = { server: Pop3Server; port: number };

/** A Python script with the helpers every POP3 test uses; argv: port, implicit-TLS port. */
const PY_PRELUDE = `
import poplib, ssl, sys, base64
PORT = int(sys.argv[1]); SPORT = int(sys.argv[2])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def plain64(u, p): return base64.b64encode(('\\0' + u + '\\0' + p).encode()).decode()
def err(f):
    try:
        r = f(); return 'no error: ' + repr(r)
    except poplib.error_proto as e:
        return e.args[0].decode()
`;

describe('POP3 with independent clients', () => {
  let dir: string;
  const drops = new MemoryMaildrops(0x65a1b2c3);
  const auth = new FakeAuthenticator();
  let plain: Running;
  let implicit: Running;
  let remote: Running;
  const servers: Pop3Server[] = [];

  async function start(extra: Partial<Pop3ServerOptions> & { implicitTls: boolean }): Promise<Running> {
    const tls = fixedServerTls(await ensureSelfSigned(path.join(dir, 'tls'), 'pop.test.example'));
    const server = new Pop3Server({ hostname: 'pop.test.example', tls, authenticator: auth, maildrops: drops, log: silentLogger(), ...extra });
    servers.push(server);
    const a = await server.listen({ host: '127.0.0.1', port: 0 });
    return { server, port: a.port };
  }

  const py = async (script: string, timeoutMs = 30_000): Promise<string> => {
    const r = await run('python3', ['-c', PY_PRELUDE + script, String(plain.port), String(implicit.port), String(remote.port)], { timeoutMs });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout;
  };

  const user = (n: number): string => `user${n}@example.test`;
  /** A fresh account with the dots message and three plain ones. */
  const account = (n: number): number => {
    auth.users.set(user(n), n);
    drops.add(n, DOTS);
    for (let i = 1; i <= 3; i++) drops.add(n, plainMsg(i));
    return n;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-pop3-'));
    plain = await start({ implicitTls: false });
    implicit = await start({ implicitTls: true });
    remote = await start({ implicitTls: false, treatAsRemote: () => true });
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('CAPA lists the extensions; STLS only before TLS', needs('python3'), async () => {
    const out = await py(`
p = poplib.POP3('127.0.0.1', PORT)
print(p.getwelcome().decode())
c = p.capa(); print(sorted(c.items()))
p.stls(ctx)
c2 = p.capa(); print(sorted(c2.items()))
p.quit()
`);
    const [welcome, before, afterTls] = out.trim().split('\n');
    assert.match(welcome, /^\+OK pop\.test\.example Mailhaven POP3 server ready$/);
    for (const cap of ["('TOP', [])", "('UIDL', [])", "('USER', [])", "('SASL', ['PLAIN'])", "('RESP-CODES', [])", "('AUTH-RESP-CODE', [])", "('PIPELINING', [])", "('EXPIRE', ['NEVER'])", "('LOGIN-DELAY', ['0'])", "('IMPLEMENTATION', ['Mailhaven'])"]) {
      assert.ok(before.includes(cap), `${cap} in ${before}`);
      assert.ok(afterTls.includes(cap), `${cap} after STLS`);
    }
    assert.ok(before.includes("('STLS', [])"));
    assert.ok(!afterTls.includes('STLS'));
  });

  it('STLS, USER/PASS, then STAT, LIST, UIDL, RETR (dot-stuffed exactly), TOP', needs('python3'), async () => {
    const id = account(1);
    const uids = drops.uids(id);
    const out = await py(`
import json
p = poplib.POP3('127.0.0.1', PORT)
p.stls(ctx)
p.user('${user(1)}'); print(p.pass_('${PASSWORD}').decode())
res = {}
res['stat'] = p.stat()
res['list'] = [l.decode() for l in p.list()[1]]
res['list2'] = p.list(2).decode()
res['uidl'] = [l.decode() for l in p.uidl()[1]]
res['uidl1'] = p.uidl(1).decode()
r = p.retr(1); res['retr1'] = [r[0].decode(), b'\\r\\n'.join(r[1]).decode() + '\\r\\n', r[2]]
r = p.retr(2); res['retr2'] = [r[0].decode(), r[2]]
res['top0'] = [l.decode() for l in p.top(1, 0)[1]]
res['top2'] = [l.decode() for l in p.top(1, 2)[1]]
res['noop'] = p.noop().decode()
res['nosuch'] = err(lambda: p.retr(9))
p.quit()
print(json.dumps(res))
`);
    const [login, json] = out.trim().split('\n');
    assert.match(login, /^\+OK Logged in, 4 messages \(\d+ octets\)$/);
    const r = JSON.parse(json);
    const sizes = drops.uids(id).map((u) => drops.get(id, u)!.length);
    assert.deepEqual(r.stat, [4, sizes.reduce((a, b) => a + b)]);
    assert.deepEqual(r.list, sizes.map((s, i) => `${i + 1} ${s}`));
    assert.equal(r.list2, `+OK 2 ${sizes[1]}`);
    assert.deepEqual(r.uidl, uids.map((u, i) => `${i + 1} ${uidlOf(0x65a1b2c3, u)}`));
    assert.equal(r.uidl1, `+OK 1 ${uids[0].toString(16).toUpperCase().padStart(8, '0')}65A1B2C3`);
    // poplib undoes the stuffing: the lines and the octet count are the message's own.
    assert.deepEqual(r.retr1, [`+OK ${sizes[0]} octets`, DOTS, sizes[0]]);
    assert.deepEqual(r.retr2, [`+OK ${sizes[1]} octets`, sizes[1]]);
    assert.deepEqual(r.top0, ['From: dots@example.test', 'To: kim@example.test', 'Subject: dots', '']);
    assert.deepEqual(r.top2, ['From: dots@example.test', 'To: kim@example.test', 'Subject: dots', '', '.starts with one dot', '..starts with two']);
    assert.equal(r.noop, '+OK');
    assert.match(r.nosuch, /^-ERR No such message/);
    assert.equal(drops.uids(id).length, 4, 'nothing deleted');
    assert.ok(!drops.isHeld(id), 'maildrop released');
    const req = auth.requests.at(-1)!;
    assert.deepEqual([req.service, req.mechanism, req.tls, req.ip], ['pop3', 'USER', true, '127.0.0.1']);
  });

  it('implicit TLS with AUTH PLAIN (initial response, continuation, cancel); DELE and QUIT delete', needs('python3'), async () => {
    const id = account(2);
    const [, second, , fourth] = drops.uids(id);
    const sizes = drops.uids(id).map((u) => drops.get(id, u)!.length);
    const out = await py(`
p = poplib.POP3_SSL('127.0.0.1', SPORT, context=ctx)
print(err(lambda: p._shortcmd('AUTH PLAIN ' + plain64('${user(2)}', 'wrong'))))
p._putcmd('AUTH PLAIN'); print(repr(p._getline()[0]))
p._putcmd('*'); print(err(lambda: p._getresp()))
print(err(lambda: p._shortcmd('AUTH CRAM-MD5')))
p._putcmd('AUTH PLAIN'); p._getline()
p._putcmd(plain64('${user(2)}', '${PASSWORD}')); print(p._getresp().decode())
print(err(lambda: p._shortcmd('AUTH PLAIN ' + plain64('${user(2)}', '${PASSWORD}'))))
print(p.dele(2).decode())
print(err(lambda: p.dele(2)))
print(err(lambda: p.retr(2)))
print(p.dele(4).decode())
print(p.stat())
print(p.quit().decode())
`);
    assert.deepEqual(out.trim().split('\n'), [
      '-ERR [AUTH] Authentication failed',
      "b'+ '",
      '-ERR Authentication cancelled',
      '-ERR Unsupported authentication mechanism',
      `+OK Logged in, 4 messages (${sizes.reduce((a, b) => a + b)} octets)`,
      '-ERR Command not valid in this state',
      '+OK Message 2 deleted',
      '-ERR Message 2 already deleted',
      '-ERR No such message',
      '+OK Message 4 deleted',
      `(2, ${sizes[0] + sizes[2]})`,
      '+OK Mailhaven POP3 server signing off (2 messages left)',
    ]);
    assert.ok(!drops.uids(id).includes(second) && !drops.uids(id).includes(fourth));
    assert.equal(drops.uids(id).length, 2);
    assert.equal(auth.requests.at(-1)!.mechanism, 'PLAIN');
  });

  it('RSET undoes DELE; a killed connection deletes nothing', needs('python3'), async () => {
    const id = account(3);
    await py(`
import os
p = poplib.POP3('127.0.0.1', PORT)
p.user('${user(3)}'); p.pass_('${PASSWORD}')
p.dele(1); p.dele(2)
assert p.rset().decode().startswith('+OK Maildrop has 4 messages'), 'rset'
assert p.stat()[0] == 4
p.quit()
q = poplib.POP3('127.0.0.1', PORT)
q.user('${user(3)}'); q.pass_('${PASSWORD}')
q.dele(1); q.dele(3); q.retr(2)
q.sock.shutdown(2); q.sock.close()
`);
    // The session notices the close and releases the maildrop without deleting anything.
    for (let i = 0; i < 50 && drops.isHeld(id); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!drops.isHeld(id));
    assert.equal(drops.uids(id).length, 4);
    assert.ok(!drops.expunges.some(([a]) => a === id));
    // The client process killed outright in the middle of the session.
    const r = await run('python3', ['-c', `${PY_PRELUDE}
import os, signal
q = poplib.POP3_SSL('127.0.0.1', SPORT, context=ctx)
q.user('${user(3)}'); q.pass_('${PASSWORD}')
q.dele(1); q.dele(2); q.dele(3); q.dele(4)
os.kill(os.getpid(), signal.SIGKILL)
`, String(plain.port), String(implicit.port)]);
    assert.notEqual(r.code, 0);
    for (let i = 0; i < 50 && drops.isHeld(id); i++) await new Promise((res) => setTimeout(res, 20));
    assert.ok(!drops.isHeld(id));
    assert.equal(drops.uids(id).length, 4);
  });

  it('a second login while a session holds the maildrop gets [IN-USE]', needs('python3'), async () => {
    account(4);
    const out = await py(`
p = poplib.POP3('127.0.0.1', PORT)
p.user('${user(4)}'); p.pass_('${PASSWORD}')
q = poplib.POP3_SSL('127.0.0.1', SPORT, context=ctx)
q.user('${user(4)}'); print(err(lambda: q.pass_('${PASSWORD}')))
p.quit()
q.user('${user(4)}'); print(q.pass_('${PASSWORD}').decode()); q.quit()
`);
    const [inUse, ok] = out.trim().split('\n');
    assert.match(inUse, /^-ERR \[IN-USE\] /);
    assert.match(ok, /^\+OK Logged in/);
  });

  it('refuses plaintext login on a non-loopback connection until STLS', needs('python3'), async () => {
    account(5);
    const out = await py(`
RPORT = int(sys.argv[3])
p = poplib.POP3('127.0.0.1', RPORT)
c = p.capa(); print('USER' in c, 'SASL' in c, 'STLS' in c)
print(err(lambda: p.user('${user(5)}')))
print(err(lambda: p.pass_('${PASSWORD}')))
print(err(lambda: p._shortcmd('AUTH PLAIN ' + plain64('${user(5)}', '${PASSWORD}'))))
p.stls(ctx)
c = p.capa(); print('USER' in c, 'SASL' in c, 'STLS' in c)
p.user('${user(5)}'); print(p.pass_('${PASSWORD}').decode()[:13]); p.quit()
`);
    assert.deepEqual(out.trim().split('\n'), [
      'False False True',
      '-ERR [AUTH] Plaintext authentication is not allowed without TLS; use STLS',
      '-ERR [AUTH] Plaintext authentication is not allowed without TLS; use STLS',
      '-ERR [AUTH] Plaintext authentication is not allowed without TLS; use STLS',
      'True True False',
      '+OK Logged in',
    ]);
  });

  it('streams a large message with exact size and content', needs('python3'), async () => {
    const id = 6;
    auth.users.set(user(6), id);
    const line = '.' + 'x'.repeat(76);
    const big = `Subject: big\r\n\r\n${Array.from({ length: 80_000 }, (_, i) => `${i} ${line}`).join('\r\n')}\r\n.leading dot at the end\r\n`;
    drops.add(id, big);
    const size = Buffer.byteLength(big);
    const out = await py(`
import hashlib
p = poplib.POP3_SSL('127.0.0.1', SPORT, context=ctx)
p.user('${user(6)}'); p.pass_('${PASSWORD}')
r = p.retr(1)
data = b'\\r\\n'.join(r[1]) + b'\\r\\n'
print(r[0].decode(), r[2], len(data), hashlib.sha256(data).hexdigest())
p.quit()
`, 60_000);
    const { createHash } = await import('node:crypto');
    assert.equal(out.trim(), `+OK ${size} octets ${size} ${size} ${createHash('sha256').update(big).digest('hex')}`);
  });
});

/** A raw client: writes, and collects everything the server sends. */
async function raw(port: number, input: string, waitMs = 300): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  let out = '';
  sock.on('data', (d) => (out += d.toString('latin1')));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(input);
  await new Promise<void>((r) => {
    const t = setTimeout(() => r(), waitMs);
    sock.once('close', () => {
      clearTimeout(t);
      r();
    });
  });
  sock.destroy();
  return out;
}

describe('POP3 protocol edges', () => {
  let dir: string;
  let server: Pop3Server;
  let port: number;
  const drops = new MemoryMaildrops(7);
  const auth = new FakeAuthenticator();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-pop3-'));
    const tls = fixedServerTls(await ensureSelfSigned(dir, 'pop.test.example'));
    server = new Pop3Server({ hostname: 'pop.test.example', tls, implicitTls: false, authenticator: auth, maildrops: drops, log: silentLogger(), maxBadCommands: 3 });
    port = (await server.listen({ host: '127.0.0.1', port: 0 })).port;
    auth.users.set('kim@example.test', 1);
    drops.add(1, DOTS);
    drops.add(1, plainMsg(1));
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers pipelined commands in order', async () => {
    const out = await raw(port, `USER kim@example.test\r\nPASS ${PASSWORD}\r\nSTAT\r\nLIST\r\nUIDL 2\r\nRETR 1\r\nNOOP\r\nQUIT\r\n`);
    const sizes = drops.uids(1).map((u) => drops.get(1, u)!.length);
    const stuffed = DOTS.replace(/(^|\n)\./g, '$1..');
    assert.equal(
      out,
      '+OK pop.test.example Mailhaven POP3 server ready\r\n' +
        '+OK Send your password\r\n' +
        `+OK Logged in, 2 messages (${sizes[0] + sizes[1]} octets)\r\n` +
        `+OK 2 ${sizes[0] + sizes[1]}\r\n` +
        `+OK 2 messages (${sizes[0] + sizes[1]} octets)\r\n1 ${sizes[0]}\r\n2 ${sizes[1]}\r\n.\r\n` +
        `+OK 2 0000000200000007\r\n` +
        `+OK ${sizes[0]} octets\r\n${stuffed}.\r\n` +
        '+OK\r\n' +
        '+OK Mailhaven POP3 server signing off (2 messages left)\r\n',
    );
  });

  it('answers -ERR to an over-long line and goes on; too many bad commands close the connection', async () => {
    let out = await raw(port, `NOOP ${'x'.repeat(300)}\r\nCAPA\r\nQUIT\r\n`);
    assert.match(out, /^\+OK [^\r]*\r\n-ERR Line too long\r\n\+OK Capability list follows\r\n/);
    assert.match(out, /\+OK Mailhaven POP3 server signing off\r\n$/);
    out = await raw(port, 'FOO\r\nSTAT\r\nAPOP kim 0123\r\nCAPA\r\n', 2000);
    assert.equal(out.split('\r\n').filter((l) => l.startsWith('-ERR')).length, 3);
    assert.match(out, /-ERR Unknown command; too many bad commands, closing\r\n$/);
  });

  it('throws away commands pipelined behind STLS', async () => {
    const { connect } = await import('node:tls');
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString('latin1');
    };
    sock.on('data', onData);
    sock.write(`STLS\r\nUSER kim@example.test\r\nPASS ${PASSWORD}\r\n`);
    while (!out.includes('Begin TLS')) await new Promise((r) => setTimeout(r, 10));
    sock.off('data', onData);
    assert.equal(out, '+OK pop.test.example Mailhaven POP3 server ready\r\n+OK Begin TLS negotiation\r\n');
    const secure = connect({ socket: sock, rejectUnauthorized: false });
    await new Promise<void>((r) => secure.once('secureConnect', () => r()));
    let tlsOut = '';
    secure.on('data', (d) => (tlsOut += d.toString('latin1')));
    secure.write('STAT\r\nQUIT\r\n');
    await new Promise<void>((r) => secure.once('close', () => r()));
    // Not logged in: the USER/PASS sent before the handshake were dropped.
    assert.equal(tlsOut, '-ERR Not logged in\r\n+OK Mailhaven POP3 server signing off\r\n');
  });

  it('takes an AUTH PLAIN continuation line longer than a command (RFC 5034 §4)', async () => {
    const name = `${'l'.repeat(300)}@example.test`;
    auth.users.set(name, 2);
    const response = Buffer.from(`\u0000${name}\u0000${PASSWORD}`).toString('base64');
    assert.ok(response.length > 255);
    const out = await raw(port, `AUTH PLAIN\r\n${response}\r\nAUTH PLAIN ${'A'.repeat(300)}\r\nQUIT\r\n`);
    assert.equal(out.split('\r\n').slice(1).join('\r\n'), '+ \r\n+OK Logged in, 0 messages (0 octets)\r\n-ERR Line too long\r\n+OK Mailhaven POP3 server signing off (maildrop empty)\r\n');
  });
});

describe('POP3 timeouts and the session log', () => {
  it('the autologout timer closes an idle session without deleting; one log line per session', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-pop3-'));
    const tls = fixedServerTls(await ensureSelfSigned(dir, 'pop.test.example'));
    const drops = new MemoryMaildrops(9);
    const auth = new FakeAuthenticator();
    auth.users.set('idle@example.test', 1);
    drops.add(1, plainMsg(1));
    drops.add(1, plainMsg(2));
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const server = new Pop3Server({ hostname: 'pop.test.example', tls, implicitTls: false, authenticator: auth, maildrops: drops, log, idleTimeoutMs: 300 });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const out = await raw(port, `USER idle@example.test\r\nPASS ${PASSWORD}\r\nRETR 1\r\nDELE 1\r\nDELE 2\r\n`, 3000);
      assert.match(out, /\+OK Message 2 deleted\r\n-ERR Disconnected for inactivity\r\n$/);
      for (let i = 0; i < 50 && drops.isHeld(1); i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(drops.uids(1).length, 2);
      const session = lines.find((l) => l.event === 'pop3.session');
      assert.ok(session, JSON.stringify(lines));
      assert.equal(session.user, 'idle@example.test');
      assert.equal(session.ip, '127.0.0.1');
      assert.equal(session.tls, false);
      assert.equal(session.retrieved, 1);
      assert.equal(session.deleted, 0);
      assert.ok(typeof session.sid === 'string' && (session.bytesOut as number) > drops.get(1, drops.uids(1)[0])!.length);
      assert.ok(!JSON.stringify(lines).includes(PASSWORD), 'no password in the log');
      // A server shutdown ends a session without UPDATE too, and releases the maildrop.
      const pending = raw(port, `USER idle@example.test\r\nPASS ${PASSWORD}\r\nDELE 1\r\n`, 3000);
      for (let i = 0; i < 50 && !drops.isHeld(1); i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 30));
      await server.close();
      assert.match(await pending, /\+OK Message 1 deleted\r\n-ERR \[SYS\/TEMP\] Server shutting down\r\n$/);
      assert.ok(!drops.isHeld(1));
      assert.equal(drops.uids(1).length, 2);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A raw connection that records what the server sends and when it closes. */
class Probe {
  out = '';
  closedAt: number | null = null;
  readonly sock: net.Socket;
  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => (this.out += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => (this.closedAt = Date.now()));
  }
  static async open(port: number, secure = false): Promise<Probe> {
    const { connect } = await import('node:tls');
    const sock = secure ? connect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    const p = new Probe(sock);
    await p.until(() => p.out.includes('\r\n') || p.closedAt !== null);
    return p;
  }
  async until(cond: () => boolean, ms = 3000): Promise<void> {
    for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(this.out)}`);
    }
  }
}

describe('POP3 connection limits and timers', () => {
  let dir: string;
  let tlsKey: ServerTls;
  const drops = new MemoryMaildrops(11);
  const auth = new FakeAuthenticator();
  const servers: Pop3Server[] = [];

  const start = async (extra: Partial<Pop3ServerOptions> & { implicitTls: boolean }): Promise<number> => {
    const server = new Pop3Server({ hostname: 'pop.test.example', tls: tlsKey, authenticator: auth, maildrops: drops, log: silentLogger(), ...extra });
    servers.push(server);
    return (await server.listen({ host: '127.0.0.1', port: 0 })).port;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-pop3-lim-'));
    const tls = fixedServerTls(await ensureSelfSigned(dir, 'pop.test.example'));
    tlsKey = tls;
    auth.users.set('lim@example.test', 1);
    drops.add(1, plainMsg(1));
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  for (const implicitTls of [false, true]) {
    it(`refuses connections beyond maxConnections with [SYS/TEMP] (${implicitTls ? 'implicit TLS' : 'plain'})`, async () => {
      const port = await start({ implicitTls, maxConnections: 2 });
      const a = await Probe.open(port, implicitTls);
      const b = await Probe.open(port, implicitTls);
      assert.match(a.out + b.out, /^\+OK [^\r]*\r\n\+OK [^\r]*\r\n$/);
      const c = await Probe.open(port, implicitTls);
      await c.until(() => c.closedAt !== null);
      assert.equal(c.out, '-ERR [SYS/TEMP] too many connections\r\n');
      // A freed place is taken again.
      a.sock.write('QUIT\r\n');
      await a.until(() => a.closedAt !== null);
      let d = await Probe.open(port, implicitTls);
      for (let i = 0; i < 50 && !d.out.startsWith('+OK'); i++) {
        d.sock.destroy();
        await new Promise((r) => setTimeout(r, 20));
        d = await Probe.open(port, implicitTls);
      }
      assert.match(d.out, /^\+OK .* ready\r\n$/);
      b.sock.destroy();
      d.sock.destroy();
    });
  }

  it('closes a connection that does not log in sooner than one that did', async () => {
    const port = await start({ implicitTls: false, loginTimeoutMs: 200, idleTimeoutMs: 1200 });
    const t0 = Date.now();
    const idle = await Probe.open(port);
    const user = await Probe.open(port);
    user.sock.write(`USER lim@example.test\r\nPASS ${PASSWORD}\r\n`);
    await user.until(() => user.out.includes('Logged in'));
    await idle.until(() => idle.closedAt !== null);
    assert.match(idle.out, /\r\n-ERR Disconnected for inactivity\r\n$/);
    assert.ok(idle.closedAt! - t0 < 1000, `closed after ${idle.closedAt! - t0} ms`);
    // Logged in: past the login timer, still there.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(user.closedAt, null);
    user.sock.write('NOOP\r\n');
    await user.until(() => user.out.endsWith('+OK\r\n'));
    const t1 = Date.now();
    await user.until(() => user.closedAt !== null);
    assert.match(user.out, /\+OK\r\n-ERR Disconnected for inactivity\r\n$/);
    assert.ok(user.closedAt! - t1 >= 1000, `closed ${user.closedAt! - t1} ms after the last command`);
    for (let i = 0; i < 50 && drops.isHeld(1); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!drops.isHeld(1));
  });
});

describe('POP3 with fetchmail', () => {
  let dir: string;
  let server: Pop3Server;
  let sserver: Pop3Server;
  let port: number;
  let sport: number;
  const drops = new MemoryMaildrops(42);
  const auth = new FakeAuthenticator();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-pop3-fm-'));
    const tls = fixedServerTls(await ensureSelfSigned(dir, 'pop.test.example'));
    const common = { hostname: 'pop.test.example', tls, authenticator: auth, maildrops: drops, log: silentLogger() };
    server = new Pop3Server({ ...common, implicitTls: false });
    sserver = new Pop3Server({ ...common, implicitTls: true });
    port = (await server.listen({ host: '127.0.0.1', port: 0 })).port;
    sport = (await sserver.listen({ host: '127.0.0.1', port: 0 })).port;
  });

  after(async () => {
    await Promise.all([server.close(), sserver.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  async function fetchmail(name: string, poll: string): Promise<string> {
    const rc = path.join(dir, `${name}.rc`);
    const out = path.join(dir, `${name}.mbox`);
    await writeFile(rc, `set no bouncemail\n${poll} mda "cat >> ${out}"\n`);
    await chmod(rc, 0o600);
    const r = await run('fetchmail', ['-f', rc, '-i', path.join(dir, `${name}.ids`), '--pidfile', path.join(dir, `${name}.pid`), '-v'], { env: { HOME: dir, FETCHMAILHOME: dir }, timeoutMs: 30_000 });
    // 0: mail fetched; 1: no mail.
    assert.ok(r.code === 0 || r.code === 1, `fetchmail exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    return readFile(out, 'latin1').catch(() => '');
  }

  it('downloads over STLS with keep, then again only what is new', needs('fetchmail'), async () => {
    auth.users.set('fm1@example.test', 1);
    drops.add(1, DOTS);
    drops.add(1, plainMsg(1));
    const poll = `poll 127.0.0.1 service ${port} protocol pop3 uidl auth password user "fm1@example.test" there with password "${PASSWORD}" is "x" here keep sslproto 'TLS1.2+' no sslcertck`;
    let mbox = await fetchmail('keep', poll);
    assert.match(mbox, /\n\.starts with one dot\r?\n\.\.starts with two\r?\n\.\r?\nmiddle \. line\r?\n\.\.\.\r?\nend/);
    assert.match(mbox, /Subject: message 1/);
    assert.equal(drops.uids(1).length, 2, 'keep leaves the messages');
    drops.add(1, plainMsg(2));
    mbox = await fetchmail('keep', poll);
    assert.equal(mbox.match(/Subject: dots/g)?.length, 1, 'not downloaded twice (UIDL)');
    assert.equal(mbox.match(/Subject: message 2/g)?.length, 1);
    assert.equal(drops.uids(1).length, 3);
    const req = auth.requests.at(-1)!;
    assert.deepEqual([req.username, req.tls, req.service], ['fm1@example.test', true, 'pop3'], 'fetchmail used STLS');
  });

  it('downloads over implicit TLS and deletes without keep', needs('fetchmail'), async () => {
    auth.users.set('fm2@example.test', 2);
    drops.add(2, DOTS);
    for (let i = 1; i <= 3; i++) drops.add(2, plainMsg(i));
    const poll = `poll 127.0.0.1 service ${sport} protocol pop3 auth password user "fm2@example.test" there with password "${PASSWORD}" is "x" here ssl no sslcertck`;
    const mbox = await fetchmail('nokeep', poll);
    assert.equal(mbox.match(/^Subject: /gm)?.length, 4);
    assert.match(mbox, /\n\.starts with one dot\r?\n/);
    assert.deepEqual(drops.uids(2), []);
  });
});
