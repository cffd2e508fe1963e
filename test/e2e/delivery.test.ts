// Local delivery: aliases (several destinations, chains, loops, catch-all), subaddressing,
// external destinations handed to the outbound queue, quotas, and LMTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { waitFor } from '../harness/queue.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

describe('local delivery', () => {
  let t: TestServer;
  let dns: TestDns;
  before(async () => {
    // An empty loopback DNS: the forward to elsewhere.test never reaches the Internet.
    dns = await startDnsServer({});
    t = await startTestServer({ lmtp: { enabled: true }, dns: { servers: [dns.server], timeout: 500 } });
    await t.addDomain('d.test');
    await t.addDomain('catch.test');
    for (const u of ['ann', 'ben', 'cid']) await t.addUser(`${u}@d.test`);
    await t.addUser('small@d.test', { quota: 3000 });
    await t.addUser('owner@catch.test');
    await t.addAlias('team@d.test', 'ann@d.test', 'ben@d.test');
    await t.addAlias('chain@d.test', 'team@d.test');
    await t.addAlias('loop1@d.test', 'loop2@d.test');
    await t.addAlias('loop2@d.test', 'loop1@d.test');
    await t.addAlias('fwd@d.test', 'someone@elsewhere.test');
    await t.addAlias('keep@d.test', 'cid@d.test', 'keep@d.test');
    await t.addAlias('@catch.test', 'owner@catch.test');
  });
  after(async () => {
    await t.stop();
    await dns.close();
  });

  const count = async (a: string) => (await t.maildir(a)).length;
  const send = async (to: string[], body = 'Subject: t\r\n\r\nhello\r\n') => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    const r = await client.send('s@remote.test', to, body);
    client.close();
    return r;
  };

  it('expands an alias to several accounts, through a chain', async () => {
    const [a, b] = [await count('ann@d.test'), await count('ben@d.test')];
    const r = await send(['chain@d.test']);
    assert.equal(r.final?.code, 250);
    assert.equal(await count('ann@d.test'), a + 1);
    assert.equal(await count('ben@d.test'), b + 1);
    const f = (await t.maildir('ann@d.test')).at(-1)!;
    assert.match(f.content, /^Return-Path: <s@remote\.test>\r\nDelivered-To: chain@d\.test\r\n/);
  });

  it('detects alias loops', async () => {
    const r = await send(['loop1@d.test']);
    assert.equal(r.rcpts[0].code, 554);
    assert.match(r.rcpts[0].text, /^5\.4\.6 .*loop/);
  });

  it('accepts external destinations and hands them to the outbound queue', async () => {
    const r = await send(['fwd@d.test']);
    assert.equal(r.rcpts[0].code, 250);
    assert.equal(r.final?.code, 250);
    const row = t.server.services.db.prepare("SELECT address FROM queue_recipients WHERE address = 'someone@elsewhere.test'").get();
    assert.ok(row, 'queued for the external address');
  });

  it('DSN on the MX: NOTIFY=SUCCESS gets a delivered report; a forward keeps NOTIFY and ORCPT', async () => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    assert.match((await client.cmd('EHLO c')).text, /^DSN$/m);
    const ben0 = await count('ben@d.test');
    const reported = await client.send('ben@d.test', ['ann@d.test'], 'Subject: report me\r\n\r\nbody\r\n', {
      mail: 'RET=HDRS ENVID=env+2B41',
      rcpt: 'NOTIFY=SUCCESS ORCPT=rfc822;ann+2B41@d.test',
    });
    assert.deepEqual([reported.mail.code, reported.rcpts[0].code, reported.final?.code], [250, 250, 250]);
    client.close();
    const report = await waitFor('the delivered report', async () => (await t.maildir('ben@d.test')).slice(ben0).find((m) => m.content.includes('Action: delivered')));
    assert.match(report.content, /^Return-Path: <>\r\n/);
    // RFC 3461 §4.2, §4.4: the xtext is decoded once ("+2B41" is "+41", not "A").
    assert.match(report.content, /Original-Envelope-Id: env\+41\r\n/);
    assert.match(report.content, /Original-Recipient: rfc822;ann\+41@d\.test\r\n/);
    assert.match(report.content, /Final-Recipient: rfc822; ?ann@d\.test\r\n/);
    assert.match(report.content, /Status: 2\.0\.0/);

    const { client: c2 } = await RawSmtp.connect(t.smtpPort);
    await c2.cmd('EHLO c');
    const forwarded = await c2.send('s@remote.test', ['fwd@d.test'], 'Subject: quiet forward\r\n\r\nbody\r\n', { rcpt: 'NOTIFY=NEVER' });
    assert.deepEqual([forwarded.mail.code, forwarded.rcpts[0].code, forwarded.final?.code], [250, 250, 250]);
    c2.close();
    const rows = t.server.services.db.prepare("SELECT notify, orcpt FROM queue_recipients WHERE address = 'someone@elsewhere.test' ORDER BY id DESC LIMIT 1").all() as { notify: string; orcpt: string }[];
    assert.deepEqual({ ...rows[0] }, { notify: 'NEVER', orcpt: 'rfc822;fwd@d.test' });
  });

  it('an alias listing itself keeps a copy in its own account', async () => {
    const t2 = await startTestServer();
    await t2.addDomain('d.test');
    await t2.addUser('me@d.test');
    await t2.addUser('you@d.test');
    await t2.addAlias('me@d.test', 'me@d.test', 'you@d.test');
    const { client } = await RawSmtp.connect(t2.smtpPort);
    await client.cmd('EHLO c');
    assert.equal((await client.send('s@remote.test', ['me@d.test'], 'Subject: x\r\n\r\ny\r\n')).final?.code, 250);
    client.close();
    assert.equal((await t2.maildir('me@d.test')).length, 1);
    assert.equal((await t2.maildir('you@d.test')).length, 1);
    await t2.stop();
  });

  it('catch-all takes unknown local parts; subaddresses reach the base account', async () => {
    const before = await count('owner@catch.test');
    assert.equal((await send(['anything@catch.test'])).final?.code, 250);
    assert.equal(await count('owner@catch.test'), before + 1);
    const c0 = await count('cid@d.test');
    assert.equal((await send(['cid+newsletters@d.test'])).final?.code, 250);
    assert.equal(await count('cid@d.test'), c0 + 1);
    const f = (await t.maildir('cid@d.test')).at(-1)!;
    assert.match(f.content, /Delivered-To: cid\+newsletters@d\.test/);
    assert.equal((await send(['nobody+tag@d.test'])).rcpts[0].code, 550);
  });

  it('enforces quota: 452 when full, 552 when the message can never fit', async () => {
    const big = 'Subject: q\r\n\r\n' + 'z'.repeat(4000) + '\r\n';
    const r1 = await send(['small@d.test'], big);
    assert.equal(r1.final?.code, 552);
    assert.match(r1.final!.text, /^5\.2\.2 /);
    assert.equal((await send(['small@d.test'], 'Subject: q\r\n\r\n' + 'z'.repeat(2000) + '\r\n')).final?.code, 250);
    const r3 = await send(['small@d.test'], 'Subject: q\r\n\r\n' + 'z'.repeat(1500) + '\r\n');
    assert.equal(r3.final?.code, 452);
    assert.match(r3.final!.text, /^4\.2\.2 /);
    // The admin lowers the quota below the usage: the running server sees it at once.
    await t.server.services.directory.setQuota('small@d.test', 1000);
    const r4 = await send(['small@d.test']);
    assert.equal(r4.rcpts[0].code, 452, 'over quota is refused at RCPT once full');
  });

  it('LMTP answers per recipient after DATA', async () => {
    const { client, greeting } = await RawSmtp.connect(t.lmtpPort!);
    assert.equal(greeting.code, 220);
    const lhlo = await client.cmd('LHLO mta.test');
    assert.equal(lhlo.code, 250);
    assert.equal((await client.cmd('MAIL FROM:<s@remote.test>')).code, 250);
    assert.equal((await client.cmd('RCPT TO:<ann@d.test>')).code, 250);
    assert.equal((await client.cmd('RCPT TO:<small@d.test>')).code, 452);
    assert.equal((await client.cmd('RCPT TO:<ben@d.test>')).code, 250);
    assert.equal((await client.cmd('RCPT TO:<nobody@d.test>')).code, 550);
    assert.equal((await client.cmd('DATA')).code, 354);
    client.write('Subject: lmtp\r\n\r\nvia lmtp\r\n.\r\n');
    const r1 = await client.read();
    const r2 = await client.read();
    assert.equal(r1.code, 250);
    assert.equal(r2.code, 250);
    client.close();
    assert.ok((await t.maildir('ben@d.test')).some((f) => f.content.includes('via lmtp')));
  });
});
