// Published attacks on MX servers (port 25), replayed against the real server: STARTTLS
// command and response injection, SMTP smuggling variants not in smtp-policy.test.ts, CR/LF
// in envelope and EHLO fields, early talkers, floods, slow clients, BDAT, and the TLS
// downgrade checks not in tls-certificates.test.ts. docs/security.md maps each to its CVE.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawLines } from '../harness/raw-lines.ts';
import { smtpStarttlsInjection as starttlsInjection } from '../harness/starttls-injection.ts';
import { sClient } from '../harness/s-client.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import { needs } from '../harness/tools.ts';

/** Reads one whole SMTP reply (the last line has a space after the code). */
const reply = (c: RawLines, ms = 3000) => c.until(/(^|\r\n)\d{3} [^\r]*\r\n/, ms);

describe('attacks on SMTP (MX, port 25)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ limits: { max_recipients: 5, max_bad_commands: 5 } });
    await t.addDomain('ours.test');
    await t.addUser('user@ours.test');
  });
  after(() => t.stop());

  it('STARTTLS command injection (CVE-2011-0411): pipelined plaintext is discarded, nothing is answered inside TLS', async () => {
    await starttlsInjection(t.smtpPort);
  });

  it('STARTTLS before EHLO with injected commands behind it is also safe', async () => {
    await starttlsInjection(t.smtpPort, false);
  });

  it('does not offer CHUNKING, and BDAT is an unknown command that counts as a bad one', async () => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    const ehlo = await client.cmd('EHLO c');
    assert.ok(!ehlo.lines.some((l) => /CHUNKING|BINARYMIME/.test(l)), ehlo.text);
    await client.cmd('MAIL FROM:<a@remote.test>');
    await client.cmd('RCPT TO:<user@ours.test>');
    const r = await client.cmd('BDAT 5 LAST');
    assert.ok(r.code >= 500 && r.code < 600, `${r.code} ${r.text}`);
    // The 5 bytes that would have been the chunk are a command line (unknown), not mail.
    client.write('hello');
    assert.ok((await client.cmd('')).code >= 500);
    client.close();
  });

  for (const [name, payload] of [
    ['CR.LF', '\r.\n'],
    ['LF.CR', '\n.\r'],
    ['CR.CRLF', '\r.\r\n'],
    ['LF.CRLF twice', '\n.\r\n\n.\r\n'],
    ['CRLF.NUL CRLF', '\r\n.\0\r\n'],
    ['CRLF NUL.CRLF', '\r\n\0.\r\n'],
  ] as const) {
    it(`SMTP smuggling variant ${name} (CVE-2023-51764/51765/51766) does not end the message`, async () => {
      const before = (await t.maildir('user@ours.test')).length;
      const { client } = await RawSmtp.connect(t.smtpPort);
      await client.cmd('EHLO c');
      await client.cmd('MAIL FROM:<a@remote.test>');
      assert.equal((await client.cmd('RCPT TO:<user@ours.test>')).code, 250);
      assert.equal((await client.cmd('DATA')).code, 354);
      client.write(`Subject: smuggle ${name}\r\n\r\nfirst${payload}MAIL FROM:<admin@ours.test>\r\nRCPT TO:<user@ours.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n`);
      const r = await client.read();
      // A bare CR or LF next to a dot is refused (550 5.6.11); with a NUL the dot line is no dot
      // line at all, so it is one ordinary message. Never two.
      assert.equal(r.code, payload.includes('\0') ? 250 : 550, `${r.code} ${r.text}`);
      assert.equal((await client.cmd('NOOP')).code, 250, 'no queued replies from smuggled commands');
      client.close();
      const now = await t.maildir('user@ours.test');
      assert.ok(now.length - before <= 1);
      assert.ok(!now.some((f) => /^Subject: smuggled/m.test(f.content.split('\r\n\r\n')[0])), 'no second message');
    });
  }

  it('bare CR or NUL inside EHLO, MAIL FROM, its parameters or RCPT TO is refused with 501 (no header injection)', async () => {
    const before = (await t.maildir('user@ours.test')).length;
    const { client } = await RawSmtp.connect(t.smtpPort);
    assert.equal((await client.cmd('EHLO c\rX-Injected-Ehlo: yes')).code, 501);
    assert.equal((await client.cmd('EHLO c')).code, 250);
    for (const line of ['MAIL FROM:<a\r@remote.test>', 'MAIL FROM:<a@remote.test> ENVID=x\rX-Injected: 1', 'MAIL FROM:<a@remote.test>\0']) {
      const r = await client.cmd(line);
      assert.equal(r.code, 501, `${JSON.stringify(line)}: ${r.code} ${r.text}`);
    }
    assert.equal((await client.cmd('MAIL FROM:<a@remote.test>')).code, 250);
    // The fifth bad line of the connection (max_bad_commands = 5) also ends it.
    assert.equal((await client.cmd('RCPT TO:<user@ours.test>\rX-Injected-Rcpt: 1')).code, 421);
    client.close();
    assert.equal((await t.maildir('user@ours.test')).length, before);
  });

  // Relay tricks beyond those in smtp-policy.test.ts: none may get 250.
  for (const trick of [
    'victim@other.test.',
    'victim@OTHER.TEST',
    'user@ours.test.@other.test',
    'victim%other.test@[127.0.0.1]',
    'victim@other.test%ours.test',
    '"victim@other.test"',
    'victim@other.test>',
    'user@ours.test>,<victim@other.test',
    'victim@[IPv6:::1]',
    'postmaster@other.test',
  ]) {
    it(`relay trick <${trick}> is refused`, async () => {
      const { client } = await RawSmtp.connect(t.smtpPort);
      await client.cmd('EHLO c');
      assert.equal((await client.cmd('MAIL FROM:<a@remote.test>')).code, 250);
      const r = await client.cmd(`RCPT TO:<${trick}>`);
      assert.ok(r.code >= 500 && r.code < 600, `${trick}: ${r.code} ${r.text}`);
      client.close();
    });
  }

  it('a flood of recipients in one pipelined write: 452 past the limit, then the session goes on', async () => {
    const c = await RawLines.connect(t.smtpPort);
    await reply(c);
    c.write('EHLO c\r\n');
    await reply(c);
    c.write('MAIL FROM:<a@remote.test>\r\n' + 'RCPT TO:<user@ours.test>\r\n'.repeat(200) + 'NOOP\r\n');
    // One reply line each: MAIL, 200 RCPTs, NOOP.
    const all = await c.until(/^(?:[^\r]*\r\n){202}/, 10_000);
    const codes = all.split('\r\n').filter(Boolean).map((l) => l.slice(0, 3));
    assert.equal(codes.filter((x) => x === '250').length, 1 + 5 + 1, codes.join(','));
    assert.equal(codes.filter((x) => x === '452').length, 195, codes.join(','));
    c.close();
  });

  it('unknown commands in bulk close the connection with 421 after max_bad_commands', async () => {
    const c = await RawLines.connect(t.smtpPort);
    await reply(c);
    c.write('FOO\r\n'.repeat(100));
    const out = await c.until(/421[^\r]*\r\n/);
    assert.equal(out.split('\r\n').filter((l) => /^5\d\d /.test(l)).length, 4, out);
    assert.ok(await c.waitClose(), 'closed');
  });
});

describe('SMTP early talkers, floods and slow clients', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ limits: { greeting_delay: 400, max_connections: 3, command_timeout: 1 } });
  });
  after(() => t.stop());

  it('slowloris: a half-sent command line is dropped after the command timeout', async () => {
    const c = await RawLines.connect(t.smtpPort);
    await reply(c);
    c.write('EHLO slow');
    const out = await c.until(/421[^\r]*\r\n/, 3000);
    assert.match(out, /421/);
    assert.ok(await c.waitClose());
  });

  it('a client that talks before the greeting (pipelining abuse) is refused', async () => {
    const c = await RawLines.connect(t.smtpPort);
    c.write('EHLO early.test\r\nMAIL FROM:<a@remote.test>\r\n');
    const out = await c.until(/\r\n/, 3000);
    assert.match(out, /^(421|554) /, out);
    assert.ok(await c.waitClose(), 'closed');
  });

  it('connections beyond max_connections get 421 and are closed', async () => {
    const held = await Promise.all([0, 1, 2].map(() => RawLines.connect(t.smtpPort)));
    await Promise.all(held.map((c) => reply(c)));
    const extra = await RawLines.connect(t.smtpPort);
    assert.match(await reply(extra), /^421 /);
    assert.ok(await extra.waitClose());
    for (const c of held) c.close();
  });

});

describe('TLS downgrade checks on SMTP STARTTLS and submissions (465)', needs('openssl'), () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  for (const [name, extra] of [
    ['TLS 1.0', ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']],
    ['NULL ciphers', ['-tls1_2', '-cipher', 'NULL:eNULL@SECLEVEL=0']],
    ['EXPORT and RC4/DES ciphers', ['-tls1_2', '-cipher', 'EXPORT:RC4:DES:3DES:@SECLEVEL=0']],
    ['anonymous (aNULL) ciphers', ['-tls1_2', '-cipher', 'aNULL:@SECLEVEL=0']],
  ] as const) {
    it(`refuses ${name}`, async () => {
      for (const [port, starttls] of [
        [t.smtpPort, 'smtp'],
        [t.submissionsPort, undefined],
      ] as const) {
        const r = await sClient(port, { servername: 'mx.test.example', starttls, extra: [...extra] });
        assert.equal(r.ok, false, `${port}: ${r.output}`);
      }
    });
  }

  it('refuses client-initiated renegotiation (CVE-2009-3555, CVE-2011-1473)', async () => {
    const { spawn } = await import('node:child_process');
    // s_client's "R" line asks for a renegotiation; stdin stays open until it is answered.
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${t.submissionsPort}`, '-tls1_2', '-noservername'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let asked = false;
    // s_client exits once the server refuses; a write racing that exit must not fail the test.
    child.stdin.on('error', () => {});
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/^220 /m.test(out) && !asked) {
        asked = true;
        child.stdin.write('R\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await new Promise((r) => child.once('close', r));
    clearTimeout(timer);
    // The server answers the new ClientHello with a no_renegotiation alert.
    assert.match(out, /RENEGOTIATING[\s\S]*no renegotiation/i, out);
  });
});
