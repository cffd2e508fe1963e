// Published attack classes on IMAP servers (Dovecot, Cyrus, Courier advisories), replayed on
// the real server: STARTTLS injection, literal and nesting DoS, tag and mailbox-name tricks
// (path traversal), huge sets, SASL authorization identities, other users' mailboxes, and
// the timers (IDLE without DONE, silent pre-auth clients) on an ImapServer with short ones.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PasswordAuthenticator } from '../../src/auth/password-authenticator.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { withLimits } from '../../src/imap/limits.ts';
import { ImapServer } from '../../src/imap/server.ts';
import { RawLines } from '../harness/raw-lines.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

async function connect(port: number): Promise<RawLines> {
  const c = await RawLines.connect(port);
  assert.match(await c.until(/\r\n/), /^\* OK /);
  return c;
}

async function login(port: number, user = 'lee@atk.test'): Promise<RawLines> {
  const c = await connect(port);
  assert.match(await c.cmd('L', `LOGIN ${user} secret`), /L OK/);
  return c;
}

/** The connection still answers (no crash, no hang, no stuck parser). */
async function alive(c: RawLines): Promise<void> {
  assert.match(await c.cmd('ZZ', 'NOOP'), /ZZ OK/);
}

describe('attacks on IMAP', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('atk.test');
    await t.addUser('lee@atk.test');
    await t.addUser('kim@atk.test');
  });
  after(() => t.stop());

  it('STARTTLS command injection: pipelined commands are discarded, no untagged data before or after the tagged OK', async () => {
    const c = await connect(t.imapPort);
    c.write('T STARTTLS\r\nX NOOP\r\nY LOGIN lee@atk.test secret\r\n');
    // The tagged OK is the first and only thing in answer to STARTTLS.
    assert.match(await c.until(/T OK[^\r]*\r\n/), /^T OK[^\r]*\r\n$/);
    await new Promise((r) => setTimeout(r, 150));
    await c.startTls();
    assert.equal(c.leftoverBeforeTls, '', 'nothing after the tagged OK in plaintext');
    assert.equal(await c.drain(300), '', 'no buffered response inside TLS (response injection)');
    assert.match(await c.cmd('S', 'SELECT INBOX'), /^S BAD/, 'the injected LOGIN was not run');
    c.close();
  });

  it('a huge synchronizing literal announced and never sent is refused at once', async () => {
    const c = await connect(t.imapPort);
    c.write('A LOGIN {4294967295}\r\n');
    const r = await c.until(/\r\n/);
    assert.match(r, /^(A (BAD|NO)|\* BYE)/, r);
    if (!c.closed && !r.startsWith('* BYE')) await alive(c);
    c.close();
  });

  it('a literal size beyond 64 bits or with junk is a BAD, not a crash', async () => {
    const c = await connect(t.imapPort);
    for (const lit of ['{99999999999999999999999}', '{-1}', '{1x}', '{}', '{+}']) {
      c.write(`A LOGIN ${lit}\r\n`);
      const r = await c.until(/\r\n/);
      assert.match(r, /^A BAD|^\* BYE/, `${lit}: ${r}`);
      if (r.startsWith('* BYE')) break;
    }
    c.close();
  });

  it('LITERAL+ (non-synchronizing) beyond the limit is refused and its bytes are not run as commands', async () => {
    const c = await login(t.imapPort);
    // 2 MB non-synchronizing literal in a SEARCH: above the per-command literal limit.
    const n = 2 * 1024 * 1024;
    c.write(`A SEARCH TEXT {${n}+}\r\n`);
    c.write(Buffer.alloc(n, 'a'));
    c.write('\r\n');
    const r = await c.until(/(A (BAD|NO)|\* BYE)[^\r]*\r\n/, 10_000);
    assert.match(r, /A (BAD|NO)|\* BYE/);
    if (!c.closed && !/\* BYE/.test(r)) await alive(c);
    c.close();
  });

  it('an unauthenticated client cannot make the server buffer large literals (sync or LITERAL+)', async () => {
    const c = await connect(t.imapPort);
    c.write('A LOGIN lee@atk.test {200000}\r\n');
    assert.match(await c.until(/\r\n/), /^A BAD \[TOOBIG\]/);
    // 60 KB of LITERAL+ is fine after login, not before: refused, its bytes skipped unkept.
    c.write('B LOGIN lee@atk.test {60000+}\r\n' + 'p'.repeat(60000) + '\r\n');
    assert.match(await c.until(/\r\n/), /^B BAD \[TOOBIG\]/);
    c.write('C LOGIN {4000+}\r\n' + 'x'.repeat(4000) + ' {5000+}\r\n' + 'y'.repeat(5000) + '\r\n');
    assert.match(await c.until(/\r\n/), /^C BAD \[TOOBIG\]/, 'the total of a command counts');
    // LOGIN with literals of ordinary size still works.
    assert.match(await c.cmd('D', 'LOGIN {12+}\r\nlee@atk.test {6+}\r\nsecret'), /D OK/);
    await c.cmd('S', 'SELECT INBOX');
    assert.match(await c.cmd('E', `SEARCH TEXT {60000+}\r\n${'z'.repeat(60000)}`), /E OK/);
    c.close();
  });

  it('deeply nested parenthesised lists and BODY[] sections are refused with BAD', async () => {
    const c = await login(t.imapPort);
    const msg = 'Subject: one\r\n\r\nbody\r\n';
    await c.cmd('P', `APPEND INBOX {${msg.length}+}\r\n${msg}`);
    await c.cmd('S', 'SELECT INBOX');
    assert.match(await c.cmd('A', `FETCH 1 ${'('.repeat(5000)}FLAGS${')'.repeat(5000)}`), /A BAD/);
    assert.match(await c.cmd('B', `FETCH 1 BODY[${Array.from({ length: 5000 }, () => '1').join('.')}]`), /A? ?B (BAD|OK|NO)/);
    assert.match(await c.cmd('C', `FETCH 1 BODY[HEADER.FIELDS (${Array.from({ length: 20000 }, (_, i) => `X-H${i}`).join(' ')})]`), /C (BAD|OK)/);
    assert.match(await c.cmd('D', `SEARCH ${'NOT '.repeat(20000)}ALL`), /D BAD/);
    assert.match(await c.cmd('E', `SEARCH ${'OR '.repeat(5000)}${'ALL '.repeat(5001)}`), /E BAD/);
    assert.match(await c.cmd('F', `SEARCH ${'('.repeat(5000)}ALL${')'.repeat(5000)}`), /F BAD/);
    await alive(c);
    c.close();
  });

  it('thousands of pipelined commands are all answered, in order', async () => {
    const c = await login(t.imapPort);
    const n = 3000;
    c.write(Array.from({ length: n }, (_, i) => `p${i} NOOP\r\n`).join(''));
    const out = await c.until(new RegExp(`p${n - 1} OK[^\\r]*\\r\\n`), 20_000);
    const tags = [...out.matchAll(/^(p\d+) OK/gm)].map((m) => m[1]);
    assert.equal(tags.length, n);
    assert.deepEqual(tags.slice(0, 3), ['p0', 'p1', 'p2']);
    await alive(c);
    c.close();
  });

  it('tags with CR, specials or nothing are BAD, and CR inside a command cannot start a new one', async () => {
    const c = await login(t.imapPort);
    for (const bad of ['* NOOP', '+ NOOP', 'a(b NOOP', 'a{1} NOOP', 'a"b NOOP', 'a%b NOOP', ' NOOP', 'a\rX LOGOUT']) {
      c.write(`${bad}\r\n`);
      const r = await c.until(/\r\n/);
      assert.match(r, /^(\* BAD|[^ ]* BAD)/, `${JSON.stringify(bad)}: ${r}`);
      assert.ok(!c.closed);
    }
    c.write('N NOOP\rX2 LOGOUT\r\n');
    assert.doesNotMatch(await c.until(/\r\n/), /BYE/);
    await alive(c);
    c.close();
  });

  it('mailbox names cannot leave the account: "../", absolute paths, NUL, over-long, bad modified UTF-7', async () => {
    const c = await login(t.imapPort);
    const names = [
      '"../escape"',
      '"INBOX/../../escape"',
      '"../../kim/atk.test/INBOX"',
      '"/etc/escape"',
      '"/tmp/escape"',
      '"a/./b"',
      '"a//b"',
      '"~kim/INBOX"',
      '".."',
      '"."',
      '{4}\r\na\0bc',
      `"${'x'.repeat(2000)}"`,
      '"&Jjo"',
      '"&-&"',
      '"&AGEAYgBj-"',
    ];
    let n = 0;
    for (const name of names) {
      const r = await c.cmd(`C${n++}`, `CREATE ${name.replace('{4}', '{4+}')}`);
      assert.match(r, /C\d+ (NO|BAD)/, `${name}: ${r}`);
    }
    assert.match(await c.cmd('R', 'RENAME INBOX "../stolen"'), /R (NO|BAD)/);
    // A backslash is an ordinary character in a name (not a separator on disk): allowed, harmless.
    assert.match(await c.cmd('BS', 'CREATE "a\\\\b"'), /BS OK/);
    assert.match(await c.cmd('L', 'LIST "" "../*"'), /L OK/);
    assert.match(await c.cmd('L2', 'LIST "/" "*"'), /^L2 OK/m);
    await alive(c);
    c.close();
    // Nothing was created next to or above the data directory.
    for (const p of ['escape', '../escape', 'mail/escape', 'mail/atk.test/escape', 'mail/atk.test/stolen', 'mail/stolen']) {
      assert.ok(!existsSync(path.join(t.dataDir, p)), p);
    }
    assert.ok(!existsSync('/tmp/escape') && !existsSync('/etc/escape'));
    const kim = readdirSync(path.join(t.dataDir, 'mail/atk.test/kim'));
    assert.ok(!kim.some((f) => f.includes('escape') || f.includes('stolen')), kim.join(','));
  });

  it('COPY, MOVE, RENAME, SELECT and APPEND cannot reach another user\'s mailboxes', async () => {
    const kimBefore = (await t.maildir('kim@atk.test')).length;
    const c = await login(t.imapPort);
    const msg = 'Subject: mine\r\n\r\nx\r\n';
    await c.cmd('P', `APPEND INBOX {${msg.length}+}\r\n${msg}`);
    await c.cmd('S', 'SELECT INBOX');
    let n = 0;
    for (const target of ['"kim@atk.test/INBOX"', '"#user/kim/INBOX"', '"~kim/INBOX"', '"../kim/INBOX"', '"Other Users/kim/INBOX"', '"#shared/kim"']) {
      for (const verb of ['COPY 1', 'MOVE 1', 'SELECT', 'STATUS', `APPEND`]) {
        const line = verb === 'STATUS' ? `STATUS ${target} (MESSAGES)` : verb === 'APPEND' ? `APPEND ${target} {${msg.length}+}\r\n${msg}` : `${verb} ${target}`;
        const r = await c.cmd(`X${n++}`, line);
        assert.match(r, /X\d+ (NO|BAD)/, `${line}: ${r}`);
        if (verb === 'SELECT') await c.cmd(`S${n}`, 'SELECT INBOX');
      }
    }
    c.close();
    assert.equal((await t.maildir('kim@atk.test')).length, kimBefore);
  });

  it('huge sequence sets and UID ranges are answered (each within 10 s); "*" on an empty mailbox is handled', async () => {
    const c = await login(t.imapPort, 'kim@atk.test');
    assert.match(await c.cmd('S', 'SELECT INBOX'), /\* 0 EXISTS/);
    assert.match(await c.cmd('A', 'FETCH 1:* (FLAGS)'), /A (OK|BAD|NO)/);
    assert.match(await c.cmd('B', 'UID FETCH 1:4294967295 (FLAGS)'), /B OK/);
    assert.match(await c.cmd('C', 'UID FETCH 4294967296 (FLAGS)'), /C BAD/);
    assert.match(await c.cmd('D', 'UID SEARCH UID 1:4294967295'), /D OK/);
    const set = Array.from({ length: 20000 }, (_, i) => `${i * 3 + 1}:${i * 3 + 2}`).join(',');
    assert.match(await c.cmd('E', `UID SEARCH UID ${set}`, 10_000), /E (OK|BAD)/);
    assert.match(await c.cmd('F', `SEARCH ${Array.from({ length: 30000 }, () => '1:*').join(',')}`, 10_000), /F (OK|BAD)/);
    assert.match(await c.cmd('G', `SEARCH TEXT "${'.*'.repeat(20000)}" BODY "(a+)+$"`, 10_000), /G OK/);
    assert.match(await c.cmd('H', 'UID STORE 1:4294967295 +FLAGS (\\Seen)'), /H OK/);
    assert.match(await c.cmd('I', 'UID EXPUNGE 1:4294967295'), /I OK/);
    await alive(c);
    c.close();
  });

  it('AUTHENTICATE PLAIN with an authorization identity of another user is refused', async () => {
    const c = await connect(t.imapPort);
    assert.match(await c.cmd('A', `AUTHENTICATE PLAIN ${b64('kim@atk.test\0lee@atk.test\0secret')}`), /A NO/);
    assert.match(await c.cmd('B', `AUTHENTICATE PLAIN ${b64('\0lee@atk.test\0secret\0')}`), /B (NO|BAD)/);
    assert.match(await c.cmd('C', `AUTHENTICATE PLAIN ${b64('\0lee@atk.test\r\n\0secret')}`), /C (NO|BAD)/);
    assert.match(await c.cmd('D', `AUTHENTICATE PLAIN ${b64('lee@atk.test\0lee@atk.test\0secret')}`), /D OK/);
    c.close();
  });

  it('LOGIN with CR/LF or NUL in a quoted or literal user name fails', async () => {
    const c = await connect(t.imapPort);
    assert.match(await c.cmd('A', 'LOGIN "lee@atk.test\rX" secret'), /A (NO|BAD)/);
    assert.match(await c.cmd('B', 'LOGIN {14+}\r\nlee@atk.test\r\n secret'), /B (NO|BAD)/);
    assert.match(await c.cmd('C', 'LOGIN {13+}\r\nlee@atk.test\0 secret'), /C (NO|BAD)/);
    c.close();
  });

  it('before login only the pre-auth commands work, and bad ones end the connection', async () => {
    const c = await connect(t.imapPort);
    for (const cmd of ['SELECT INBOX', 'LIST "" *', 'FETCH 1 BODY[]', 'APPEND INBOX {1+}\r\nx', 'IDLE', 'ENABLE UTF8=ACCEPT', 'GETQUOTAROOT INBOX']) {
      const r = await c.cmd('Q', cmd).catch((e: unknown) => String(e));
      if (c.closed) break;
      assert.match(r, /Q (BAD|NO)/, `${cmd}: ${r}`);
    }
    c.close();
    const d = await connect(t.imapPort);
    d.write('FOO\r\n'.repeat(100));
    assert.match(await d.until(/\* BYE[^\r]*\r\n/), /BYE/);
    assert.ok(await d.waitClose());
  });
});

describe('IMAP timers against slow and silent clients', () => {
  let t: TestServer;
  let server: ImapServer;
  let port = 0;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('atk.test');
    await t.addUser('lee@atk.test');
    const { store, bus, directory } = t.server.services;
    server = new ImapServer({
      store,
      bus,
      auth: new PasswordAuthenticator({ directory, log: silentLogger() }),
      quotaOf: () => Promise.resolve(0),
      limits: withLimits(),
      idleTimeoutMs: 1000,
      preAuthTimeoutMs: 500,
      maxBadCommands: 10,
      maxConnections: 3,
      implicitTls: false,
      tls: null,
      log: silentLogger(),
    });
    const a = await server.listen({ host: '127.0.0.1', port: 0 });
    port = typeof a === 'string' ? 0 : a.port;
  });
  after(async () => {
    await server.close();
    await t.stop();
  });

  it('a silent client before login is disconnected (login timeout)', async () => {
    const c = await connect(port);
    assert.ok(await c.waitClose(3000), 'closed');
  });

  it('slowloris: a half-sent command before login does not keep the connection open', async () => {
    const c = await connect(port);
    c.write('A LOGIN lee@atk.test');
    assert.ok(await c.waitClose(3000), 'closed');
  });

  it('IDLE without DONE ends with BYE after the idle timeout', async () => {
    const c = await login(port);
    await c.cmd('S', 'SELECT INBOX');
    c.write('I IDLE\r\n');
    assert.match(await c.until(/\+ [^\r]*\r\n/), /^\+ /);
    const out = await c.until(/\* BYE[^\r]*\r\n/, 4000);
    assert.match(out, /BYE/);
    assert.ok(await c.waitClose());
  });

  it('connections beyond max_connections get BYE', async () => {
    const held = await Promise.all([0, 1, 2].map(() => connect(port)));
    const extra = await RawLines.connect(port);
    assert.match(await extra.until(/\r\n/), /^\* BYE/);
    for (const c of held) c.close();
  });
});
