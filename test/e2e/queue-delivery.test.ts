// Outbound delivery between two Mailhaven instances through a loopback DNS server: A's queue
// finds B by MX and delivers over SMTP (STARTTLS); MX preference with fallback; a 5xx for one
// of several recipients bounces that one only, with an RFC 3464 report.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Srs } from '../../src/queue/srs.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { waitFor, testMessage } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

/** The parts of a multipart/report DSN a test looks at. */
function dsnParts(content: string) {
  const boundary = /boundary="([^"]+)"/.exec(content)?.[1];
  assert.ok(boundary, 'multipart/report with a boundary');
  assert.match(content, /Content-Type: multipart\/report; report-type=delivery-status;/);
  const parts = content.split(`--${boundary}`).slice(1, -1);
  assert.equal(parts.length, 3, 'text, delivery-status, original');
  assert.match(parts[1], /Content-Type: message\/delivery-status/);
  const [perMessage, ...perRecipient] = parts[1].split(/\r\n\r\n/).slice(1).filter((b) => b.trim() !== '');
  return { text: parts[0], perMessage, perRecipient, original: parts[2] };
}

describe('outbound queue between two instances', () => {
  let dns: TestDns;
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    dns = await startDnsServer({});
    b = await startTestServer({ hostname: 'mx.b.test', dns: { servers: [dns.server] } });
    await b.addDomain('b.test');
    await b.addUser('bob@b.test');
    await b.addUser('bea@b.test');
    await b.addDomain('c.test');
    await b.addUser('x@c.test');
    a = await startTestServer({
      hostname: 'mx.a.test',
      dns: { servers: [dns.server], timeout: 500 },
      queue: { port: b.smtpPort, retry_initial: 0.3, poll_interval: 0.1, connect_timeout: 2 },
    });
    await a.addDomain('a.test');
    await a.addUser('ann@a.test');
    await a.addAlias('fwd@a.test', 'bob@b.test');
    await a.addAlias('bad@a.test', 'nobody@b.test');
    dns.zone = {
      'b.test': [{ type: 'MX', exchange: 'mx.b.test', priority: 10 }],
      'mx.b.test': [{ type: 'A', address: '127.0.0.1' }],
      // Preferred MX refuses connections (nothing listens on 127.0.0.2), the next one is B.
      'fallback.b.test': [
        { type: 'MX', exchange: 'dead.b.test', priority: 5 },
        { type: 'MX', exchange: 'mx.b.test', priority: 20 },
      ],
      'dead.b.test': [{ type: 'A', address: '127.0.0.2' }],
      'c.test': [
        { type: 'MX', exchange: 'dead.b.test', priority: 5 },
        { type: 'MX', exchange: 'mx.b.test', priority: 20 },
      ],
      'a.test': [{ type: 'MX', exchange: 'mx.a.test', priority: 10 }],
    };
  });
  // Whatever before() got to: a half-started run must still let the process end.
  after(async () => {
    await (a as { stop(): Promise<void> } | undefined)?.stop();
    await (b as { stop(): Promise<void> } | undefined)?.stop();
    await (dns as { close(): Promise<void> } | undefined)?.close();
  }, { timeout: 30_000 });

  it('delivers a queued message to the other instance over STARTTLS', async () => {
    const { queueId } = await a.server.queue.enqueue({
      from: 'ann@a.test',
      recipients: [{ address: 'bob@b.test' }],
      message: testMessage('ann@a.test', 'bob@b.test', 'first'),
      origin: { kind: 'local' },
    });
    assert.match(queueId, /^[0-9A-Z]{16}$/);
    const [f] = await waitFor('delivery on B', async () => {
      const m = await b.maildir('bob@b.test');
      return m.length === 1 && m;
    });
    assert.match(f.content, /^Return-Path: <ann@a\.test>\r\nDelivered-To: bob@b\.test\r\n/);
    assert.match(f.content, /Received: from mx\.a\.test \(\[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.[23] [^]*with ESMTPS/);
    assert.match(f.content, /Subject: first/);
  });

  it('falls back to the next MX when the preferred one refuses connections', async () => {
    await a.server.queue.enqueue({ from: 'ann@a.test', recipients: [{ address: 'x@c.test' }], message: testMessage('ann@a.test', 'x@c.test', 'fallback'), origin: { kind: 'local' } });
    const got = await waitFor('delivery through the second MX', async () => (await b.maildir('x@c.test')).find((m) => m.content.includes('Subject: fallback')));
    assert.match(got.content, /Return-Path: <ann@a\.test>/);
    assert.ok(dns.queries.includes('A dead.b.test'), 'the preferred MX was tried first');
  });

  it('a 5xx at RCPT for one of three recipients bounces that one only, with an RFC 3464 report', async () => {
    const before = (await a.maildir('ann@a.test')).length;
    const [bob0, bea0] = [(await b.maildir('bob@b.test')).length, (await b.maildir('bea@b.test')).length];
    const msg = testMessage('ann@a.test', 'bob@b.test', 'partial');
    await a.server.queue.enqueue({
      from: 'ann@a.test',
      recipients: [{ address: 'bob@b.test' }, { address: 'nobody@b.test', orcpt: 'rfc822;nobody@b.test' }, { address: 'bea@b.test' }],
      envid: 'env-42',
      message: msg,
      origin: { kind: 'local' },
    });
    await waitFor('both good recipients', async () => (await b.maildir('bob@b.test')).length === bob0 + 1 && (await b.maildir('bea@b.test')).length === bea0 + 1);
    const dsn = await waitFor('the bounce to ann', async () => (await a.maildir('ann@a.test')).slice(before).find((m) => m.content.includes('multipart/report')));
    assert.match(dsn.content, /^Return-Path: <>\r\n/);
    assert.match(dsn.content, /\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx\.a\.test>\r\n/);
    assert.match(dsn.content, /\r\nAuto-Submitted: auto-replied\r\n/);
    const p = dsnParts(dsn.content);
    assert.match(p.perMessage, /^Reporting-MTA: dns; mx\.a\.test\r\n/m);
    assert.match(p.perMessage, /^Original-Envelope-Id: env-42\r\n/m);
    assert.match(p.perMessage, /^Arrival-Date: /m);
    assert.equal(p.perRecipient.length, 1, 'one recipient block: the refused one');
    const r = p.perRecipient[0];
    assert.match(r, /^Original-Recipient: rfc822;nobody@b\.test\r\n/m);
    assert.match(r, /^Final-Recipient: rfc822; nobody@b\.test\r\n/m);
    assert.match(r, /^Action: failed\r\n/m);
    assert.match(r, /^Status: 5\.1\.1\r\n/m);
    assert.match(r, /^Remote-MTA: dns; mx\.b\.test\r\n/m);
    assert.match(r, /^Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@b\.test>/m);
    assert.doesNotMatch(dsn.content, /Final-Recipient: rfc822; (bob|bea)@/);
    // RET absent: the whole original comes back, as message/rfc822.
    assert.match(p.original, /Content-Type: message\/rfc822/);
    assert.ok(p.original.includes('Subject: partial') && p.original.includes('hello'));
  });

  it('NOTIFY=SUCCESS passes on to the other instance, which reports "delivered" itself; no "relayed" report from A', async () => {
    const before = (await a.maildir('ann@a.test')).length;
    await a.server.queue.enqueue({
      from: 'ann@a.test', recipients: [{ address: 'bob@b.test', notify: ['SUCCESS', 'FAILURE'] }], ret: 'HDRS', envid: 'tellme-1',
      message: testMessage('ann@a.test', 'bob@b.test', 'tellme', 'secret body\r\n'), origin: { kind: 'local' },
    });
    // B queues its report for ann@a.test (its queue has no route to A here: the row is enough).
    const row = await waitFor('B queues the delivered report', () =>
      b.server.services.db
        .prepare("SELECT m.file FROM queue_messages m JOIN queue_recipients r ON r.queue_id = m.id WHERE m.sender = '' AND r.address = 'ann@a.test'")
        .get() as { file: string } | undefined,
    );
    const report = await readFile(path.isAbsolute(row.file) ? row.file : path.join(b.dataDir, 'queue', row.file), 'latin1');
    const p = dsnParts(report);
    assert.match(p.perMessage, /^Reporting-MTA: dns; mx\.b\.test\r\n/m);
    assert.match(p.perMessage, /^Original-Envelope-Id: tellme-1\r\n/m);
    assert.match(p.perRecipient[0], /^Action: delivered\r\n/m);
    assert.match(p.original, /Content-Type: text\/rfc822-headers/);
    assert.ok(p.original.includes('Subject: tellme'));
    assert.ok(!p.original.includes('secret body'));
    await waitFor('A done', () => (a.server.services.db.prepare("SELECT count(*) AS n FROM queue_recipients WHERE state IN ('queued','inflight')").get() as { n: number }).n === 0);
    assert.ok(!(await a.maildir('ann@a.test')).slice(before).some((m) => m.content.includes('multipart/report')), 'B took the duty over');
  });

  it('forwards an alias to an external address with an SRS sender', async () => {
    const bob0 = (await b.maildir('bob@b.test')).length;
    const { client } = await RawSmtp.connect(a.smtpPort);
    await client.cmd('EHLO client.c.test');
    const r = await client.send('x@c.test', ['fwd@a.test'], 'Subject: forwarded\r\n\r\nvia alias\r\n');
    client.close();
    assert.equal(r.final?.code, 250);
    const got = await waitFor('the forwarded copy', async () => (await b.maildir('bob@b.test')).slice(bob0).find((m) => m.content.includes('Subject: forwarded')));
    assert.match(got.content, /^Return-Path: <SRS0=[^=]{4}=[A-Z2-7]{2}=c\.test=x@a\.test>\r\n/);
  });

  it('a forward refused downstream comes back to the original sender through the SRS address', async () => {
    const x0 = (await b.maildir('x@c.test')).length;
    const { client } = await RawSmtp.connect(a.smtpPort);
    await client.cmd('EHLO client.c.test');
    const r = await client.send('x@c.test', ['bad@a.test'], 'Subject: doomed\r\n\r\nwill bounce\r\n');
    client.close();
    assert.equal(r.final?.code, 250);
    const dsn = await waitFor('the bounce at the original sender', async () => (await b.maildir('x@c.test')).slice(x0).find((m) => m.content.includes('multipart/report')));
    assert.match(dsn.content, /^Return-Path: <>\r\n/);
    assert.match(dsn.content, /Final-Recipient: rfc822; nobody@b\.test/);
  });

  it('an inbound bounce to an SRS address is passed on; a forged or mangled one is an unknown user', async () => {
    const srs = Srs.fromFile(path.join(a.dataDir, 'srs.key'));
    const good = srs.forward('x@c.test', 'a.test');
    const forged = good.replace(/^SRS0=..../, 'SRS0=AAAA');
    const x0 = (await b.maildir('x@c.test')).length;
    const { client } = await RawSmtp.connect(a.smtpPort);
    await client.cmd('EHLO mx.elsewhere.test');
    const bad = await client.send('', [forged], 'Subject: forged\r\n\r\nx\r\n');
    assert.equal(bad.rcpts[0].code, 550);
    await client.cmd('RSET');
    const ok = await client.send('', [good], 'Subject: returned\r\n\r\nyour mail bounced\r\n');
    client.close();
    assert.equal(ok.final?.code, 250);
    const got = await waitFor('the returned bounce', async () => (await b.maildir('x@c.test')).slice(x0).find((m) => m.content.includes('Subject: returned')));
    assert.match(got.content, /^Return-Path: <>\r\n/);
  });

  it('local recipients go to local delivery; NOTIFY=SUCCESS there gives a "delivered" report to the remote sender', async () => {
    const ann0 = (await a.maildir('ann@a.test')).length;
    const bob0 = (await b.maildir('bob@b.test')).length;
    await a.server.queue.enqueue({ from: 'bob@b.test', recipients: [{ address: 'ann@a.test', notify: ['SUCCESS'] }], message: testMessage('bob@b.test', 'ann@a.test', 'local one'), origin: { kind: 'local' } });
    const got = await waitFor('local delivery', async () => (await a.maildir('ann@a.test')).slice(ann0).find((m) => m.content.includes('Subject: local one')));
    assert.match(got.content, /^Return-Path: <bob@b\.test>\r\nDelivered-To: ann@a\.test\r\n/);
    const dsn = await waitFor('the success report on B', async () => (await b.maildir('bob@b.test')).slice(bob0).find((m) => m.content.includes('multipart/report')));
    const p = dsnParts(dsn.content);
    assert.match(p.perRecipient[0], /^Final-Recipient: rfc822; ann@a\.test\r\n/m);
    assert.match(p.perRecipient[0], /^Action: delivered\r\n/m);
    assert.doesNotMatch(p.perRecipient[0], /Remote-MTA/);
  });

  it('two local recipients leading to one account leave one copy', async () => {
    await a.addAlias('ann.alias@a.test', 'ann@a.test');
    const ann0 = (await a.maildir('ann@a.test')).length;
    await a.server.queue.enqueue({
      from: 'bob@b.test', recipients: [{ address: 'ann@a.test' }, { address: 'ann.alias@a.test' }],
      message: testMessage('bob@b.test', 'ann@a.test', 'once only'), origin: { kind: 'local' },
    });
    await waitFor('both recipients done', () =>
      (a.server.services.db.prepare("SELECT count(*) AS n FROM queue_recipients WHERE state IN ('queued','inflight')").get() as { n: number }).n === 0);
    assert.equal((await a.maildir('ann@a.test')).slice(ann0).filter((m) => m.content.includes('Subject: once only')).length, 1);
  });
});
