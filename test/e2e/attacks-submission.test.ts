// Published attacks on submission (587 STARTTLS, 465 implicit TLS): STARTTLS injection,
// smuggling through an authenticated client, From spoofing tricks that fool the check but
// not the reader's mail program, SASL authorization-identity and CR/LF tricks. The plain
// From/Sender rules and the brute-force throttle are in submission-policy.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureLog, type Captured } from '../harness/log-capture.ts';
import { waitFor } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import { smtpStarttlsInjection as starttlsInjection } from '../harness/starttls-injection.ts';


const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

async function loggedIn(port: number, user = 'ann@send.test', pass = 'ann-secret'): Promise<RawSmtp> {
  const { client } = await RawSmtp.connect(port);
  await client.cmd('EHLO client.test');
  await client.startTls();
  await client.cmd('EHLO client.test');
  const r = await client.cmd(`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}`);
  assert.equal(r.code, 235, r.text);
  return client;
}

describe('attacks on submission', () => {
  let t: TestServer;
  let logs: Captured;
  before(async () => {
    logs = captureLog();
    t = await startTestServer({}, undefined, { log: logs.log });
    await t.addDomain('send.test');
    await t.addUser('ann@send.test', { password: 'ann-secret' });
    await t.addUser('bob@send.test', { password: 'bob-secret' });
    await t.addAlias('sales@send.test', 'ann@send.test');
  });
  after(() => t.stop());

  it('STARTTLS command injection on 587 (CVE-2011-0411, NO STARTTLS 2021)', async () => {
    await starttlsInjection(t.submissionPort);
  });

  for (const [name, payload] of [
    ['LF.LF', '\n.\n'],
    ['CR.CR', '\r.\r'],
    ['LF.CRLF', '\n.\r\n'],
    ['CRLF.LF', '\r\n.\n'],
    ['CRLF.CR', '\r\n.\r'],
    ['CRLF NUL.CRLF', '\r\n\0.\r\n'],
  ] as const) {
    it(`SMTP smuggling variant ${name} through submission does not split the message`, async () => {
      const before = (await t.maildir('bob@send.test')).length;
      const c = await loggedIn(t.submissionPort);
      assert.equal((await c.cmd('MAIL FROM:<ann@send.test>')).code, 250);
      assert.equal((await c.cmd('RCPT TO:<bob@send.test>')).code, 250);
      assert.equal((await c.cmd('DATA')).code, 354);
      c.write(`From: ann@send.test\r\nSubject: smuggle\r\n\r\nfirst${payload}MAIL FROM:<bob@send.test>\r\nRCPT TO:<bob@send.test>\r\nDATA\r\nFrom: bob@send.test\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n`);
      const r = await c.read();
      // A bare CR or LF next to a dot is refused (550 5.6.11); with a NUL the dot line is no dot
      // line at all, so it is one ordinary message. Never two.
      assert.equal(r.code, payload.includes('\0') ? 250 : 550, `${r.code} ${r.text}`);
      assert.equal((await c.cmd('NOOP')).code, 250, 'no queued replies from smuggled commands');
      c.close();
      // Local delivery runs through the queue: once the accepted message is in, look for a second.
      const arrived = async () => {
        const m = await t.maildir('bob@send.test');
        return m.length > before && m;
      };
      const now = r.code === 250 ? await waitFor('the accepted message', arrived) : await t.maildir('bob@send.test');
      assert.ok(now.length - before <= 1);
      assert.ok(!now.some((f) => /^Subject: smuggled/m.test(f.content.split('\r\n\r\n')[0])), 'no second message');
    });
  }

  // Each From (or Sender) a mail program might show as the author, and whether ann may send it.
  const fromCases: [string, string, 250 | 553][] = [
    ['comment holding another address', 'From: ann@send.test (bob@send.test)', 250],
    ['comment holding ours, address foreign', 'From: bob@send.test (ann@send.test)', 553],
    ['quoted display name holding ours', 'From: "ann@send.test" <bob@send.test>', 553],
    ['unquoted display name holding ours', 'From: ann@send.test <bob@send.test>', 553],
    ['encoded-word display name holding ours', 'From: =?utf-8?q?ann=40send=2Etest?= <bob@send.test>', 553],
    ['encoded-word as the whole address', 'From: =?utf-8?b?Ym9iQHNlbmQudGVzdA==?=', 553],
    ['group with a foreign member', 'From: team: bob@send.test;', 553],
    ['group with our own address', 'From: team: ann@send.test;', 553],
    ['two angle addresses', 'From: Ann <ann@send.test> <bob@send.test>', 553],
    ['source route to a foreign address', 'From: <@send.test:bob@send.test>', 553],
    ['folded second address', 'From: ann@send.test,\r\n bob@send.test', 553],
    ['quoted local part hiding an @', 'From: "bob@send.test"@send.test', 553],
    ['upper-case own address', 'From: ANN@SEND.TEST', 250],
    ['own subaddress', 'From: ann+news@send.test', 250],
    ['foreign subaddress carrying our name', 'From: bob+ann@send.test', 553],
    ['own alias', 'From: Sales <sales@send.test>', 250],
    ['IDN look-alike domain', 'From: ann@sënd.test', 553],
    ['punycode look-alike domain', 'From: ann@xn--snd-fla.test', 553],
    ['lower-case duplicate From', 'From: ann@send.test\r\nfrom: bob@send.test', 553],
    ['From with space before the colon', 'From: ann@send.test\r\nFrom : bob@send.test', 553],
    ['From hidden behind a bare LF', 'Subject: x\nFrom: bob@send.test\r\nFrom: ann@send.test', 553],
    ['foreign Sender', 'From: ann@send.test\r\nSender: "ann@send.test" <bob@send.test>', 553],
    ['foreign Resent-From', 'From: ann@send.test\r\nResent-From: bob@send.test', 553],
    ['own Resent-From', 'From: bob@send.test\r\nResent-From: ann@send.test', 553],
    ['text after the angle address', 'From: Ann <ann@send.test> bob@send.test', 553],
    ['angle inside angle', 'From: <ann@send.test <bob@send.test>>', 553],
    ['quoted angle brackets in the name', 'From: "Ann <bob@send.test>" <ann@send.test>', 250],
    ['own address, comment after it', 'From: Ann <ann@send.test> (work)', 250],
    ['two own addresses, angle and plain', 'From: Ann <ann@send.test>, sales@send.test', 250],
    ['empty From', 'From:', 553],
  ];
  for (const [name, header, code] of fromCases) {
    it(`From spoofing: ${name} → ${code}`, async () => {
      const c = await loggedIn(t.submissionPort);
      const r = await c.send('ann@send.test', ['bob@send.test'], `${header}\r\nTo: bob@send.test\r\nSubject: from-case\r\n\r\nhello\r\n`);
      assert.equal(r.final?.code, code, `${JSON.stringify(header)}: ${r.final?.code} ${r.final?.text}`);
      c.close();
    });
  }

  it('envelope and header mismatch: MAIL FROM of another user is refused even with an own From', async () => {
    const c = await loggedIn(t.submissionPort);
    const r = await c.send('bob@send.test', ['bob@send.test'], 'From: ann@send.test\r\nSubject: x\r\n\r\nx\r\n');
    assert.equal(r.mail.code, 553);
    c.close();
  });

  it('AUTH PLAIN with an authorization identity other than the authenticated one is refused', async () => {
    const { client } = await RawSmtp.connect(t.submissionPort);
    await client.cmd('EHLO c');
    for (const resp of [`bob@send.test\0ann@send.test\0ann-secret`, `bob@send.test\0ann@send.test\0ann-secret\0extra`, `\0ann@send.test\0ann-secret\0`, `bob@send.test\0\0ann-secret`]) {
      const r = await client.cmd(`AUTH PLAIN ${b64(resp)}`);
      assert.ok(r.code >= 500, `${JSON.stringify(resp)}: ${r.code} ${r.text}`);
    }
    // The same identity twice is what some clients send, and is fine; so is (smtp-server's
    // tolerance) the name given only as authzid: either way the password is checked for it.
    assert.equal((await client.cmd(`AUTH PLAIN ${b64('ann@send.test\0ann@send.test\0ann-secret')}`)).code, 235);
    client.close();
  });

  // Log lines are JSON, so a CR/LF in a user name cannot start a line of its own; what matters
  // is that such a name never logs in.
  it('AUTH LOGIN with CR/LF or NUL in the user name fails', async () => {
    const { client } = await RawSmtp.connect(t.submissionPort);
    await client.cmd('EHLO c');
    for (const user of ['ann@send.test\r\nauth.login result=ok', 'ann@send.test\0bob@send.test', 'ann@send.test\n']) {
      assert.equal((await client.cmd('AUTH LOGIN')).code, 334);
      // Refused at the user name (smtp-server checks for control characters) or at the end.
      let r = await client.cmd(b64(user));
      if (r.code === 334) r = await client.cmd(b64('ann-secret'));
      assert.ok(r.code >= 500, `${JSON.stringify(user)}: ${r.code} ${r.text}`);
    }
    client.close();
  });

  it('AUTH with an over-long or non-base64 response is refused, the session goes on', async () => {
    const { client } = await RawSmtp.connect(t.submissionPort);
    await client.cmd('EHLO c');
    assert.ok((await client.cmd(`AUTH PLAIN ${'A'.repeat(3000)}`)).code >= 500);
    assert.ok((await client.cmd('AUTH PLAIN !!!not-base64!!!')).code >= 500);
    assert.equal((await client.cmd('NOOP')).code, 250);
    client.close();
  });
});
