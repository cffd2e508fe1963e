// What the submission ports refuse: mail without AUTH, AUTH before STARTTLS (loopback
// exemption off), senders and From/Sender addresses the user does not own, more than the
// hourly rate, and repeated bad passwords (throttled, one auth.login line per attempt). And
// what they pass on: the DSN parameters reach the injected OutboundQueue.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { PasswordAuthenticator } from '../../src/auth/password-authenticator.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { DkimKeyStore } from '../../src/dkim/key-store.ts';
import { DkimSigner } from '../../src/dkim/signer.ts';
import type { OutboundMessage } from '../../src/queue/outbound.ts';
import { SendRateLimiter } from '../../src/smtp/send-rate-limiter.ts';
import { SubmissionServer } from '../../src/smtp/submission-server.ts';
import { captureLog, type Captured } from '../harness/log-capture.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { waitFor } from '../harness/queue.ts';

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');
const body = (from: string, subject = 'policy', extra = '') => `From: ${from}\r\nTo: bob@send.test\r\n${extra}Subject: ${subject}\r\n\r\nhello\r\n`;

async function loggedIn(port: number, user = 'ann@send.test', pass = 'ann-secret'): Promise<RawSmtp> {
  const { client } = await RawSmtp.connect(port);
  await client.cmd('EHLO client.test');
  await client.startTls();
  await client.cmd('EHLO client.test');
  const r = await client.cmd(`AUTH PLAIN ${plain(user, pass)}`);
  assert.equal(r.code, 235, r.text);
  return client;
}

async function setUp(t: TestServer) {
  await t.addDomain('send.test');
  await t.addUser('ann@send.test', { password: 'ann-secret' });
  await t.addUser('bob@send.test');
  await t.addUser('catchall@send.test');
  await t.addAlias('sales@send.test', 'ann@send.test');
  await t.addAlias('@send.test', 'catchall@send.test');
}

describe('submission policy', () => {
  let t: TestServer;
  let logs: Captured;
  let dns: TestDns;
  before(async () => {
    logs = captureLog();
    // An empty loopback zone: queued remote mail is deferred without asking the real DNS.
    dns = await startDnsServer({});
    t = await startTestServer({ dns: { servers: [dns.server] } }, undefined, { log: logs.log });
    await setUp(t);
  });
  after(async () => {
    await t.stop();
    await dns.close();
  });

  it('relays nothing without AUTH: 530 5.7.0 on 587 and 465', async () => {
    const { client } = await RawSmtp.connect(t.submissionPort);
    await client.cmd('EHLO client.test');
    await client.startTls();
    await client.cmd('EHLO client.test');
    const r = await client.cmd('MAIL FROM:<ann@send.test>');
    assert.equal(r.code, 530);
    assert.match(r.text, /^5\.7\.0 Authentication required/);
    assert.equal((await client.cmd('RCPT TO:<victim@elsewhere.test>')).code, 530);
    client.close();
    const tr = nodemailer.createTransport({ host: '127.0.0.1', port: t.submissionsPort, secure: true, tls: { rejectUnauthorized: false } });
    await assert.rejects(tr.sendMail({ from: 'ann@send.test', to: 'victim@elsewhere.test', text: 'x' }), /530 5\.7\.0/);
    tr.close();
  });

  it('offers AUTH before TLS on loopback by default', async () => {
    const { client } = await RawSmtp.connect(t.submissionPort);
    const ehlo = await client.cmd('EHLO client.test');
    assert.ok(ehlo.lines.some((l) => /AUTH PLAIN LOGIN/.test(l)));
    assert.equal((await client.cmd(`AUTH PLAIN ${plain('ann@send.test', 'ann-secret')}`)).code, 235);
    client.close();
  });

  it('MAIL FROM: own address, subaddress and alias pass; another user and catch-all names get 553 5.7.1', async () => {
    const c = await loggedIn(t.submissionPort);
    for (const ok of ['ann@send.test', 'ANN+list@send.test', 'sales@send.test']) {
      const r = await c.cmd(`MAIL FROM:<${ok}>`);
      assert.equal(r.code, 250, `${ok}: ${r.text}`);
      await c.cmd('RSET');
    }
    for (const bad of ['bob@send.test', 'anything@send.test', 'ann@elsewhere.test', '']) {
      const r = await c.cmd(`MAIL FROM:<${bad}>`);
      assert.equal(r.code, 553, `${bad}: ${r.text}`);
      assert.match(r.text, /^5\.7\.1 /);
    }
    c.close();
  });

  it('From and Sender: every address must be owned, in every field (553 5.7.1 at DATA)', async () => {
    const c = await loggedIn(t.submissionPort);
    const cases: [string, number][] = [
      [body('Ann <ann@send.test>', 'own'), 250],
      [body('sales@send.test', 'alias'), 250],
      [body('bob@send.test', 'foreign from'), 553],
      [body('ann@send.test, bob@send.test', 'two authors'), 553],
      [body('ann@send.test', 'second from', 'From: bob@send.test\r\n'), 553],
      [body('ann@send.test', 'foreign sender', 'Sender: bob@send.test\r\n'), 553],
      [body('undisclosed:;', 'group'), 553],
    ];
    for (const [msg, code] of cases) {
      const r = await c.send('ann@send.test', ['bob@send.test'], msg);
      assert.equal(r.final?.code, code, `${msg.split('\r\n')[0]}: ${r.final?.text}`);
      if (code === 553) assert.match(r.final?.text ?? '', /^5\.7\.1 /);
    }
    c.close();
    // Local recipients go through the queue too: delivered moments after the 250.
    const delivered = await waitFor('own message delivered', async () => {
      const files = await t.maildir('bob@send.test');
      return files.some((f) => f.content.includes('Subject: own')) && files;
    });
    assert.ok(!delivered.some((f) => f.content.includes('Subject: foreign')));
  });

  it('adds a From from the envelope when the message has none', async () => {
    const c = await loggedIn(t.submissionPort);
    const r = await c.send('ann@send.test', ['bob@send.test'], 'Subject: no from\r\n\r\nhi\r\n');
    assert.equal(r.final?.code, 250, r.final?.text);
    c.close();
    const f = await waitFor('delivered', async () => (await t.maildir('bob@send.test')).find((x) => x.content.includes('Subject: no from')));
    assert.match(f?.content ?? '', /^From: <ann@send\.test>\r$/m);
  });

  it('removes Bcc and Authentication-Results claiming our host name', async () => {
    const c = await loggedIn(t.submissionPort);
    const extra = 'Bcc: secret@send.test\r\nAuthentication-Results: mx.test.example;\r\n dkim=pass header.d=bank.test\r\n';
    const r = await c.send('ann@send.test', ['bob@send.test'], body('ann@send.test', 'cleaned', extra));
    assert.equal(r.final?.code, 250, r.final?.text);
    c.close();
    const f = await waitFor('delivered', async () => (await t.maildir('bob@send.test')).find((x) => x.content.includes('Subject: cleaned')));
    assert.doesNotMatch(f.content, /^Bcc:/im);
    assert.doesNotMatch(f.content, /bank\.test/);
  });

  it('refuses unknown local recipients at RCPT, and queues mail for remote ones', async () => {
    const c = await loggedIn(t.submissionPort);
    await c.cmd('MAIL FROM:<ann@send.test>');
    // send.test has a catch-all, so use a domain without one.
    await t.addDomain('other.test');
    const unknown = await c.cmd('RCPT TO:<nobody@other.test>');
    assert.equal(unknown.code, 550);
    await c.cmd('RSET');
    const r = await c.send('ann@send.test', ['someone@remote.test'], body('ann@send.test'));
    assert.equal(r.rcpts[0].code, 250, 'authenticated users may address anyone');
    assert.equal(r.final?.code, 250, r.final?.text);
    c.close();
    const queued = await waitFor('queue.enqueued logged', () => logs.events('queue.enqueued').find((e) => e.origin === 'submission'));
    assert.ok(queued);
  });

  it('throttles bad passwords and logs one auth.login line per attempt', async () => {
    const before = logs.events('auth.login').length;
    const { client } = await RawSmtp.connect(t.submissionPort);
    await client.cmd('EHLO client.test');
    await client.startTls();
    await client.cmd('EHLO client.test');
    for (let i = 0; i < 4; i++) {
      const r = await client.cmd(`AUTH PLAIN ${plain('bob@send.test', `wrong${i}`)}`);
      assert.equal(r.code, 535);
      assert.match(r.text, /^5\.7\.8 /);
    }
    client.close();
    const lines = logs.events('auth.login').slice(before);
    assert.equal(lines.length, 4);
    assert.ok(lines.every((l) => l.service === 'submission' && l.result === 'invalid' && l.user === 'bob@send.test' && l.tls === true));
    assert.equal(lines[0].delayMs, 0);
    assert.ok((lines[3].delayMs as number) > 0, 'later attempts wait');
  });
});

describe('submission without the loopback exemption', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ submission: { loopback_plaintext_auth: false } });
    await setUp(t);
  });
  after(() => t.stop());

  it('hides AUTH and answers it with 530 5.7.0 until STARTTLS', async () => {
    const { client } = await RawSmtp.connect(t.submissionPort);
    const ehlo = await client.cmd('EHLO client.test');
    assert.ok(!ehlo.lines.some((l) => /AUTH/.test(l)), ehlo.text);
    assert.ok(ehlo.lines.some((l) => /STARTTLS/.test(l)));
    for (const cmd of [`AUTH PLAIN ${plain('ann@send.test', 'ann-secret')}`, 'AUTH LOGIN']) {
      const r = await client.cmd(cmd);
      assert.equal(r.code, 530);
      assert.match(r.text, /^5\.7\.0 Must issue a STARTTLS command first/);
    }
    await client.startTls();
    const after = await client.cmd('EHLO client.test');
    assert.ok(after.lines.some((l) => /AUTH PLAIN LOGIN/.test(l)));
    assert.equal((await client.cmd(`AUTH PLAIN ${plain('ann@send.test', 'ann-secret')}`)).code, 235);
    client.close();
  });
});

describe('submission rate limits', () => {
  let t: TestServer;
  let logs: Captured;
  before(async () => {
    logs = captureLog();
    t = await startTestServer({ submission_limits: { account_messages_per_hour: 2, account_recipients_per_hour: 3 } }, undefined, { log: logs.log });
    await setUp(t);
  });
  after(() => t.stop());

  it('answers 451 4.7.1 past the hourly message and recipient limits, and logs it', async () => {
    const c = await loggedIn(t.submissionPort);
    let r = await c.send('ann@send.test', ['bob@send.test', 'catchall@send.test'], body('ann@send.test', 'one'));
    assert.equal(r.final?.code, 250);
    await c.cmd('MAIL FROM:<ann@send.test>');
    assert.equal((await c.cmd('RCPT TO:<bob@send.test>')).code, 250);
    const over = await c.cmd('RCPT TO:<catchall@send.test>');
    assert.equal(over.code, 451, 'a fourth recipient this hour');
    assert.match(over.text, /^4\.7\.1 /);
    await c.cmd('RSET');
    r = await c.send('ann@send.test', ['bob@send.test'], body('ann@send.test', 'two'));
    assert.equal(r.final?.code, 250);
    r = await c.send('ann@send.test', ['bob@send.test'], body('ann@send.test', 'three'));
    assert.equal(r.mail.code, 451);
    assert.match(r.mail.text, /^4\.7\.1 Sending rate limit reached/);
    c.close();
    const hits = logs.events('submission.ratelimit');
    assert.ok(hits.some((h) => h.user === 'ann@send.test' && h.kind === 'messages' && h.scope === 'account'));
    assert.ok(hits.some((h) => h.kind === 'recipients'));
  });
});

describe('submission hands DSN parameters to the injected queue', () => {
  let t: TestServer;
  let s: SubmissionServer;
  let port = 0;
  const queued: OutboundMessage[] = [];
  before(async () => {
    t = await startTestServer();
    await setUp(t);
    const { directory } = t.server.services;
    s = new SubmissionServer({
      hostname: 'msa.test',
      tls: t.server.tls.provider.forListener('submission'),
      implicitTls: false,
      plaintextAuthAllowed: () => true,
      maxMessageSize: 1 << 20,
      maxRecipients: 10,
      maxConnections: 10,
      maxBadCommands: 10,
      commandTimeoutMs: 10_000,
      maxLineLength: 4096,
      maxDataLineLength: 65536,
      directory,
      identity: { subaddressSeparator: '+', maxAliasDepth: 10 },
      auth: new PasswordAuthenticator({ directory, log: silentLogger() }),
      queue: {
        enqueue(m) {
          queued.push(m);
          return Promise.resolve({ queueId: 'Q1' });
        },
      },
      signer: new DkimSigner(new DkimKeyStore(path.join(t.dataDir, 'dkim')), (d) => directory.hasDomain(d), silentLogger()),
      limiter: new SendRateLimiter({ accountMessages: 0, accountRecipients: 0, ipMessages: 0, ipRecipients: 0 }),
      log: silentLogger(),
    });
    const addr = await s.listen({ host: '127.0.0.1', port: 0 });
    port = typeof addr === 'string' ? 0 : addr.port;
  });
  after(async () => {
    await s.close();
    await t.stop();
  });

  it('RET, ENVID, NOTIFY and ORCPT arrive in the OutboundMessage, signed', async () => {
    const { client } = await RawSmtp.connect(port);
    await client.cmd('EHLO client.test');
    assert.equal((await client.cmd(`AUTH PLAIN ${plain('ann@send.test', 'ann-secret')}`)).code, 235);
    assert.equal((await client.cmd('MAIL FROM:<ann@send.test> RET=HDRS ENVID=abc123')).code, 250);
    assert.equal((await client.cmd('RCPT TO:<x@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@remote.test')).code, 250);
    assert.equal((await client.cmd('RCPT TO:<y@remote.test> NOTIFY=NEVER')).code, 250);
    assert.equal((await client.cmd('DATA')).code, 354);
    client.write(body('ann@send.test', 'dsn') + '.\r\n');
    const r = await client.read();
    assert.equal(r.code, 250);
    assert.match(r.text, /queued as Q1/);
    client.close();
    assert.equal(queued.length, 1);
    const m = queued[0];
    assert.equal(m.from, 'ann@send.test');
    assert.equal(m.ret, 'HDRS');
    assert.equal(m.envid, 'abc123');
    assert.deepEqual(m.recipients, [
      { address: 'x@remote.test', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;x@remote.test' },
      { address: 'y@remote.test', notify: 'NEVER' },
    ]);
    assert.equal(m.origin.kind, 'submission');
    assert.equal(m.origin.account, 'ann@send.test');
    const text = m.message.toString('latin1');
    assert.equal(text.match(/^DKIM-Signature:/gm)?.length, 2);
    assert.match(text, /^Received: by msa\.test/m);
  });
});
