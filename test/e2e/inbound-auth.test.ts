// Sender authentication on the MX: messages signed in the test with a key published in the
// loopback DNS get dkim=pass, tampered ones dkim=fail; SPF passes or fails for 127.0.0.1 as
// the test zone says; DMARC p=reject failures are refused; forged Authentication-Results
// naming our host are removed; the message log line carries the results.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dkimSign, type DKIMSignOptions } from 'mailauth';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { captureLog, type Captured } from '../harness/log-capture.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const pub = key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

async function signed(msg: string, domain = 'sig.test'): Promise<string> {
  const r = await dkimSign(msg, { signatureData: [{ signingDomain: domain, selector: 'test', privateKey: pem }] } as unknown as DKIMSignOptions);
  assert.deepEqual(r.errors, []);
  return r.signatures + msg;
}

const message = (from: string, subject: string, extra = '') => `${extra}From: ${from}\r\nTo: pat@mx.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@t>\r\n\r\nbody of ${subject}\r\n`;

describe('MX sender authentication', () => {
  let t: TestServer;
  let dns: TestDns;
  let logs: Captured;
  before(async () => {
    dns = await startDnsServer({
      'sig.test': [{ type: 'TXT', data: 'v=spf1 ip4:127.0.0.1 -all' }],
      'test._domainkey.sig.test': [{ type: 'TXT', data: `v=DKIM1; k=rsa; p=${pub}` }],
      '_dmarc.sig.test': [{ type: 'TXT', data: 'v=DMARC1; p=reject' }],
      'nospf.test': [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.1 -all' }],
      'strict.test': [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.1 -all' }],
      '_dmarc.strict.test': [{ type: 'TXT', data: 'v=DMARC1; p=reject' }],
    });
    logs = captureLog();
    t = await startTestServer({ dns: { servers: [dns.server] }, mail_auth: { enabled: true } }, undefined, { log: logs.log });
    await t.addDomain('mx.test');
    await t.addUser('pat@mx.test');
  });
  after(async () => {
    await t.stop();
    await dns.close();
  });

  async function deliver(from: string, content: string): Promise<{ code: number; text: string }> {
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO sender.test');
    const r = await client.send(from, ['pat@mx.test'], content);
    client.close();
    assert.ok(r.final, JSON.stringify(r));
    return r.final;
  }

  async function headerOf(subject: string): Promise<string> {
    const f = (await t.maildir('pat@mx.test')).find((x) => x.content.includes(`Subject: ${subject}`));
    assert.ok(f, `"${subject}" delivered`);
    return f.content.split('\r\n\r\n')[0];
  }

  it('a valid signature and an SPF-listed IP: dkim=pass, spf=pass, dmarc=pass', async () => {
    const r = await deliver('a@sig.test', await signed(message('a@sig.test', 'good one')));
    assert.equal(r.code, 250, r.text);
    const h = await headerOf('good one');
    assert.match(h, /^Authentication-Results: mx\.test\.example;/m);
    assert.match(h, /dkim=pass header\.i=@sig\.test header\.s=test/);
    assert.match(h, /spf=pass /);
    assert.match(h, /dmarc=pass /);
    const line = logs.events('message.accepted').find((l) => (l.auth as { dkim: string[] } | undefined)?.dkim?.includes('sig.test:pass'));
    assert.ok(line, 'the log line carries the results');
    assert.equal((line.auth as { spf: string }).spf, 'pass');
  });

  it('a signature over a changed header: dkim=fail (SPF still aligns, so DMARC passes)', async () => {
    const forged = (await signed(message('a@sig.test', 'original'))).replace('Subject: original', 'Subject: tampered');
    const r = await deliver('a@sig.test', forged);
    assert.equal(r.code, 250, r.text);
    assert.match(await headerOf('tampered'), /dkim=fail /);
  });

  it('SPF fails for an IP the domain does not list; no DMARC record: delivered with spf=fail', async () => {
    const r = await deliver('x@nospf.test', message('x@nospf.test', 'spf fail'));
    assert.equal(r.code, 250, r.text);
    const h = await headerOf('spf fail');
    assert.match(h, /spf=fail /);
    assert.match(h, /dmarc=none /);
  });

  it('DMARC p=reject and nothing aligned: refused with 550 5.7.1', async () => {
    const r = await deliver('x@strict.test', message('ceo@strict.test', 'phish'));
    assert.equal(r.code, 550);
    assert.match(r.text, /^5\.7\.1 .*DMARC/);
    assert.ok(logs.events('message.refused').some((l) => (l.auth as { dmarc: string } | undefined)?.dmarc === 'fail'));
  });

  it('NOTIFY=SUCCESS gets a report only when SPF passes for the sender (no backscatter to forged senders)', async () => {
    const sendWithNotify = async (from: string, subject: string) => {
      const { client } = await RawSmtp.connect(t.smtpPort);
      await client.cmd('EHLO sender.test');
      assert.equal((await client.cmd(`MAIL FROM:<${from}>`)).code, 250);
      assert.equal((await client.cmd('RCPT TO:<pat@mx.test> NOTIFY=SUCCESS')).code, 250);
      assert.equal((await client.cmd('DATA')).code, 354);
      client.write(message(from, subject) + '.\r\n');
      assert.equal((await client.read()).code, 250);
      client.close();
    };
    // The queue may try (and give up on) the report at once: count the reports queued, by log.
    const reportsTo = (address: string) => logs.events('delivery.dsn').filter((l) => l.to === address).length;
    await sendWithNotify('x@nospf.test', 'forged notify');
    await sendWithNotify('a@sig.test', 'genuine notify');
    await headerOf('forged notify');
    await headerOf('genuine notify');
    assert.equal(reportsTo('a@sig.test'), 1, 'SPF pass: the report is queued');
    assert.equal(reportsTo('x@nospf.test'), 0, 'SPF fail: no report');
  });

  it('removes Authentication-Results claiming our host name, keeps other hosts\' ones', async () => {
    const extra = 'Authentication-Results: mx.test.example; dkim=pass header.i=@bank.test\r\nAuthentication-Results: other.example; spf=pass\r\n';
    const r = await deliver('x@nospf.test', message('x@nospf.test', 'forged results', extra));
    assert.equal(r.code, 250, r.text);
    const h = await headerOf('forged results');
    assert.doesNotMatch(h, /bank\.test/);
    assert.match(h, /Authentication-Results: other\.example; spf=pass/);
    assert.equal(h.match(/^Authentication-Results: mx\.test\.example/gm)?.length, 1);
  });
});

describe('MX sender authentication with dmarc_reject off', () => {
  let t: TestServer;
  let dns: TestDns;
  before(async () => {
    dns = await startDnsServer({
      'strict.test': [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.1 -all' }],
      '_dmarc.strict.test': [{ type: 'TXT', data: 'v=DMARC1; p=reject' }],
    });
    t = await startTestServer({ dns: { servers: [dns.server] }, mail_auth: { enabled: true, dmarc_reject: false } });
    await t.addDomain('mx.test');
    await t.addUser('pat@mx.test');
  });
  after(async () => {
    await t.stop();
    await dns.close();
  });

  it('delivers the DMARC failure with dmarc=fail in the header', async () => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO sender.test');
    const r = await client.send('x@strict.test', ['pat@mx.test'], message('ceo@strict.test', 'kept'));
    client.close();
    assert.equal(r.final?.code, 250);
    const f = (await t.maildir('pat@mx.test')).find((x) => x.content.includes('Subject: kept'));
    assert.match(f?.content ?? '', /dmarc=fail /);
  });
});
