// Published attack classes on POP3 servers (Dovecot, Qpopper, Courier advisories), replayed on
// the real server: STLS command injection, password guessing, APOP (MD5, CVE-2007-1558), long
// lines, huge or negative message numbers, commands before login, CR/LF and NUL in USER/PASS
// and SASL, half-sent lines. pop3-clients.test.ts covers the limits on its own Pop3Server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PasswordAuthenticator } from '../../src/auth/password-authenticator.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { Pop3Server } from '../../src/pop3/server.ts';
import { StoreMaildrops } from '../../src/pop3/store-maildrop.ts';
import { captureLog, type Captured } from '../harness/log-capture.ts';
import { RawLines } from '../harness/raw-lines.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const line = (c: RawLines, ms = 3000) => c.until(/\r\n/, ms);

async function connect(port: number): Promise<RawLines> {
  const c = await RawLines.connect(port);
  assert.match(await line(c), /^\+OK /);
  return c;
}

async function cmd(c: RawLines, text: string): Promise<string> {
  c.write(`${text}\r\n`);
  return line(c);
}

async function loggedIn(port: number): Promise<RawLines> {
  const c = await connect(port);
  assert.match(await cmd(c, 'USER pat@pop.test'), /^\+OK/);
  assert.match(await cmd(c, 'PASS secret'), /^\+OK/);
  return c;
}

describe('attacks on POP3', () => {
  let t: TestServer;
  let logs: Captured;
  before(async () => {
    logs = captureLog();
    t = await startTestServer({}, undefined, { log: logs.log });
    await t.addDomain('pop.test');
    await t.addUser('pat@pop.test');
    await t.addUser('sam@pop.test');
    const { RawSmtp } = await import('../harness/smtp-client.ts');
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    for (const s of ['one', 'two']) await client.send('a@remote.test', ['pat@pop.test'], `Subject: ${s}\r\n\r\nbody ${s}\r\n`);
    client.close();
  });
  after(() => t.stop());

  it('STLS command injection: "STLS\\r\\nNOOP\\r\\n" in one packet, nothing answered inside TLS', async () => {
    const c = await connect(t.pop3Port);
    c.write('STLS\r\nNOOP\r\nUSER pat@pop.test\r\nPASS secret\r\n');
    assert.match(await line(c), /^\+OK /);
    await new Promise((r) => setTimeout(r, 150));
    await c.startTls();
    assert.equal(c.leftoverBeforeTls, '', 'nothing after +OK in plaintext');
    assert.equal(await c.drain(300), '', 'no buffered response inside TLS');
    assert.match(await cmd(c, 'STAT'), /^-ERR/, 'the injected USER/PASS were not run');
    c.close();
  });

  it('no APOP: not in CAPA, no timestamp in the greeting, and the command is refused', async () => {
    const c = await RawLines.connect(t.pop3Port);
    const greeting = await line(c);
    assert.doesNotMatch(greeting, /<[^>]*@[^>]*>/, 'no APOP timestamp');
    c.write('CAPA\r\n');
    const capa = await c.until(/\r\n\.\r\n/);
    assert.doesNotMatch(capa, /APOP/);
    assert.match(await cmd(c, 'APOP pat@pop.test 0123456789abcdef0123456789abcdef'), /^-ERR/);
    c.close();
  });

  it('commands of the TRANSACTION state before login are refused', async () => {
    const c = await connect(t.pop3Port);
    for (const x of ['STAT', 'LIST', 'RETR 1', 'DELE 1', 'TOP 1 0', 'UIDL', 'RSET', 'LAST']) {
      assert.match(await cmd(c, x), /^-ERR/, x);
      if (c.closed) break;
    }
    c.close();
  });

  it('RETR, TOP, DELE, LIST, UIDL with huge, zero, negative or malformed numbers are -ERR, not a crash', async () => {
    const bad = [
      'RETR 0',
      'RETR 3',
      'RETR 4294967296',
      'RETR 99999999999999999999999999',
      'RETR -1',
      'RETR 1e3',
      'RETR 0x1',
      'RETR 1.0',
      'TOP 1 -1',
      'TOP 4294967297 0',
      'DELE -1',
      'LIST 18446744073709551617',
      'UIDL -1',
      'UIDL +1',
    ];
    // max_bad_commands (10) ends a session: a fresh one for every few.
    for (let i = 0; i < bad.length; i += 5) {
      const c = await loggedIn(t.pop3Port);
      for (const x of bad.slice(i, i + 5)) assert.match(await cmd(c, x), /^-ERR/, x);
      c.close();
    }
    const d = await loggedIn(t.pop3Port);
    // A line count beyond the body is just "the whole body"; beyond 32 bits, a syntax error.
    assert.match(await cmd(d, 'TOP 1 99999999999999'), /^-ERR/);
    d.write('TOP 1 4294967295\r\n');
    const top = await d.until(/\r\n\.\r\n/);
    assert.match(top, /^\+OK[\s\S]*body one\r\n\.\r\n$/);
    assert.match(await cmd(d, 'NOOP'), /^\+OK/);
    d.close();
  });

  it('overlong lines are refused and their rest is not run as a command', async () => {
    const c = await connect(t.pop3Port);
    c.write(`USER ${'a'.repeat(100_000)}\r\nQUIT\r\n`);
    const out = await c.until(/signing off[^\r]*\r\n/);
    assert.match(out, /^-ERR[^\r]*\r\n\+OK[^\r]*signing off/);
    const d = await loggedIn(t.pop3Port);
    // The part of an over-long line past the limit is thrown away, not run as a command; so
    // is a command after a bare CR inside a line.
    d.write(`NOOP ${'b'.repeat(250)}DELE 1\r\nNOOP ${'c'.repeat(300)} DELE 1\r\nNOOP x\rDELE 1\r\nSTAT\r\n`);
    const r = await d.until(/\+OK \d+ \d+\r\n/);
    assert.doesNotMatch(r, /deleted/i);
    assert.match(r, /\+OK 2 \d+\r\n$/, 'both messages still there');
    d.close();
  });

  it('AUTH with an over-long or malformed initial response is refused; "*" cancels', async () => {
    const c = await connect(t.pop3Port);
    assert.match(await cmd(c, `AUTH PLAIN ${'A'.repeat(20_000)}`), /^-ERR/);
    assert.match(await cmd(c, 'AUTH PLAIN !!!'), /^-ERR/);
    assert.match(await cmd(c, 'AUTH CRAM-MD5'), /^-ERR/);
    assert.match(await cmd(c, 'AUTH PLAIN'), /^\+ /);
    assert.match(await cmd(c, '*'), /^-ERR/);
    assert.match(await cmd(c, 'NOOP'), /^-ERR|^\+OK/);
    c.close();
  });
  // Failed logins slow down every later login from 127.0.0.1 (the throttle counts per IP): last.
  it('USER/PASS guessing is throttled: later wrong passwords wait, each attempt logged', async () => {
    const before = logs.events('auth.login').length;
    const c = await connect(t.pop3Port);
    for (let i = 0; i < 4; i++) {
      assert.match(await cmd(c, 'USER sam@pop.test'), /^\+OK/);
      const r = await cmd(c, `PASS wrong${i}`).catch((e: unknown) => String(e));
      assert.match(r, /^-ERR|closed/);
      if (c.closed) break;
    }
    c.close();
    const lines = logs.events('auth.login').slice(before);
    assert.ok(lines.length >= 3, `${lines.length} attempts logged`);
    assert.ok(lines.every((l) => l.result !== 'ok'));
    assert.ok((lines[lines.length - 1].delayMs as number) > 0, 'later attempts wait');
  });

  it('an unknown user and a wrong password get the same answer (no user enumeration)', async () => {
    const c = await connect(t.pop3Port);
    const u1 = await cmd(c, 'USER nobody@pop.test');
    const p1 = await cmd(c, 'PASS x');
    const u2 = await cmd(c, 'USER pat@pop.test');
    const p2 = await cmd(c, 'PASS x');
    assert.equal(u1, u2);
    assert.equal(p1.replace(/\[[^\]]*\]/, ''), p2.replace(/\[[^\]]*\]/, ''));
    c.close();
  });

  it('CR, LF or NUL smuggled into USER, PASS or AUTH PLAIN does not log in', async () => {
    const c = await connect(t.pop3Port);
    assert.match(await cmd(c, 'USER pat@pop.test\0sam@pop.test'), /^[+-]/);
    assert.match(await cmd(c, 'PASS secret'), /^-ERR/);
    assert.match(await cmd(c, 'USER pat@pop.test\rPASS secret'), /^[+-]/);
    assert.match(await cmd(c, 'STAT'), /^-ERR/);
    for (const resp of ['sam@pop.test\0pat@pop.test\0secret', '\0pat@pop.test\r\n\0secret', '\0pat@pop.test\0secret\0x']) {
      assert.match(await cmd(c, `AUTH PLAIN ${b64(resp)}`), /^-ERR/, JSON.stringify(resp));
    }
    assert.match(await cmd(c, 'STAT'), /^-ERR/);
    c.close();
  });
});

describe('POP3 timers against slow clients', () => {
  let t: TestServer;
  let server: Pop3Server;
  let port = 0;
  before(async () => {
    t = await startTestServer();
    const { store, directory } = t.server.services;
    server = new Pop3Server({
      hostname: 'pop.test.example',
      tls: t.server.tls.provider.forListener('pop3'),
      implicitTls: false,
      authenticator: new PasswordAuthenticator({ directory, log: silentLogger() }),
      maildrops: new StoreMaildrops(store, directory),
      loginTimeoutMs: 500,
      idleTimeoutMs: 2000,
      log: silentLogger(),
    });
    const a = await server.listen({ host: '127.0.0.1', port: 0 });
    port = typeof a === 'string' ? 0 : a.port;
  });
  after(async () => {
    await server.close();
    await t.stop();
  });

  it('slowloris: a half-sent line before login is dropped at the login timer', async () => {
    const c = await connect(port);
    c.write('USER pat@pop.t');
    assert.ok(await c.waitClose(3000), 'closed');
  });
});
