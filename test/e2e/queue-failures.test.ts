// The outbound queue against misbehaving receivers (an smtp-server peer, see
// test/harness/smtp-peer.ts) and an unreachable one, with short timers from the config:
// greylisting, a connection dropped mid-DATA, a receiver that is down (retries, a delay
// notice, then a bounce), and the null sender, which is never bounced to.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OutboundMessage } from '../../src/queue/outbound.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { waitFor, testMessage } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { startPeer, type Peer } from '../harness/smtp-peer.ts';

describe('outbound queue against difficult receivers', () => {
  let dns: TestDns;
  let peer: Peer;
  let plain: Peer;
  let a: TestServer;
  const enqueued: OutboundMessage[] = [];
  before(async () => {
    dns = await startDnsServer({});
    peer = await startPeer({
      greylist: (r) => r.endsWith('@grey.test'),
      reject: (r) => r.startsWith('nobody@'),
      dropMidData: (rcpts) => rcpts.some((r) => r.endsWith('@drop.test')),
      dsn: true,
    });
    // A receiver without DSN, on the same port at another loopback address.
    plain = await startPeer({}, '127.0.0.3', peer.port);
    a = await startTestServer({
      hostname: 'mx.a.test',
      dns: { servers: [dns.server], timeout: 500 },
      queue: { port: peer.port, retry_initial: 0.2, retry_factor: 1, delay_notice: 0.5, max_lifetime: 2.5, poll_interval: 0.05, connect_timeout: 2, idle_reuse: 0 },
    });
    await a.addDomain('a.test');
    await a.addUser('ann@a.test');
    const mx = (name: string, host: string) => ({ [name]: [{ type: 'MX' as const, exchange: host, priority: 10 }] });
    dns.zone = {
      ...mx('grey.test', 'peer.test'),
      ...mx('drop.test', 'peer.test'),
      ...mx('ok.test', 'peer.test'),
      ...mx('plain.test', 'plain-peer.test'),
      'plain-peer.test': [{ type: 'A', address: '127.0.0.3' }],
      ...mx('down.test', 'dead.test'),
      'peer.test': [{ type: 'A', address: '127.0.0.1' }],
      'dead.test': [{ type: 'A', address: '127.0.0.2' }],
      'nomail.test': [{ type: 'MX', exchange: '', priority: 0 }],
    };
    // Count what the queue itself sends (reports), through the instance's own enqueue.
    const q = a.server.queue as { enqueue: (m: OutboundMessage) => Promise<{ queueId: string }> };
    const orig = q.enqueue.bind(q);
    q.enqueue = (m) => {
      enqueued.push(m);
      return orig(m);
    };
  });
  // Whatever before() got to: a half-started run must still let the process end.
  after(async () => {
    await (a as { stop(): Promise<void> } | undefined)?.stop();
    await (peer as { close(): Promise<void> } | undefined)?.close();
    await (plain as { close(): Promise<void> } | undefined)?.close();
    await (dns as { close(): Promise<void> } | undefined)?.close();
  }, { timeout: 30_000 });

  const send = (to: string[], subject: string, from = 'ann@a.test', extra: Partial<OutboundMessage> = {}) =>
    a.server.queue.enqueue({ from, recipients: to.map((address) => ({ address })), message: testMessage(from, to[0], subject), origin: { kind: 'local' }, ...extra });
  const reports = async (since: number) => (await a.maildir('ann@a.test')).slice(since).filter((m) => m.content.includes('multipart/report'));

  it('retries a greylisting receiver (451 then accept)', async () => {
    await send(['gina@grey.test'], 'greylisted');
    const m = await waitFor('delivery after greylisting', () => peer.messages.find((x) => x.content.includes('Subject: greylisted')));
    assert.deepEqual(m.to, ['gina@grey.test']);
    assert.deepEqual(peer.rcptReplies.filter((r) => r.rcpt === 'gina@grey.test').map((r) => r.code), [451, 250]);
  });

  it('retries after the receiver drops the connection mid-DATA', async () => {
    const starts = peer.dataStarts;
    await send(['dan@drop.test'], 'dropped');
    const m = await waitFor('delivery after the drop', () => peer.messages.find((x) => x.content.includes('Subject: dropped')));
    assert.ok(m.secure, 'over STARTTLS');
    assert.ok(peer.dataStarts >= starts + 2, 'the first DATA was cut, the second arrived');
    assert.equal(peer.messages.filter((x) => x.content.includes('Subject: dropped')).length, 1);
  });

  it('passes NOTIFY and ORCPT per recipient to a server that announces DSN', async () => {
    await a.server.queue.enqueue({
      from: 'ann@a.test', ret: 'HDRS', envid: 'E1',
      recipients: [{ address: 'o1@ok.test', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;o1@ok.test' }, { address: 'o2@ok.test', notify: 'NEVER' }],
      message: testMessage('ann@a.test', 'o1@ok.test', 'dsnparams'), origin: { kind: 'local' },
    });
    await waitFor('both transactions', () => peer.messages.filter((x) => x.content.includes('Subject: dsnparams')).length === 2);
    const got = peer.messages.filter((x) => x.content.includes('Subject: dsnparams'));
    const by = (rcpt: string) => got.find((x) => x.to.includes(rcpt))!;
    assert.equal(by('o1@ok.test').mailArgs.RET, 'HDRS');
    assert.equal(by('o1@ok.test').mailArgs.ENVID, 'E1');
    assert.equal(by('o1@ok.test').rcptArgs[0].NOTIFY, 'SUCCESS,FAILURE');
    assert.equal(by('o2@ok.test').rcptArgs[0].NOTIFY, 'NEVER');
    assert.match(String(by('o1@ok.test').rcptArgs[0].ORCPT), /^rfc822;o1@ok\.test$/i);
    // The peer took over the reports: no "relayed" notice from us, once the queue has settled.
    await waitFor('queue empty', () => (a.server.services.db.prepare("SELECT count(*) AS n FROM queue_recipients WHERE state IN ('queued','inflight')").get() as { n: number }).n === 0);
    assert.ok(!(await reports(0)).some((m) => m.content.includes('o1@ok.test')));
  });

  it('NOTIFY=SUCCESS to a server without DSN gives a "relayed" report; RET=HDRS returns the header only', async () => {
    const before = (await a.maildir('ann@a.test')).length;
    await a.server.queue.enqueue({
      from: 'ann@a.test', recipients: [{ address: 'pia@plain.test', notify: ['SUCCESS', 'FAILURE'] }], ret: 'HDRS',
      message: testMessage('ann@a.test', 'pia@plain.test', 'tellme', 'secret body\r\n'), origin: { kind: 'local' },
    });
    const [dsn] = await waitFor('success report', async () => {
      const r = await reports(before);
      return r.length > 0 ? r : null;
    });
    assert.ok(plain.messages.some((m) => m.content.includes('Subject: tellme')), 'delivered to the peer without DSN');
    assert.match(dsn.content, /^Action: relayed\r\n/m);
    assert.match(dsn.content, /^Status: 2\.0\.0\r\n/m);
    assert.match(dsn.content, /Content-Type: text\/rfc822-headers/);
    assert.ok(dsn.content.includes('Subject: tellme'));
    assert.ok(!dsn.content.includes('secret body'));
  });

  it('receiver down: retries, a delay notice, then a bounce when the lifetime is over', async () => {
    const before = (await a.maildir('ann@a.test')).length;
    await send(['dora@down.test'], 'nowhere');
    const [delayed, failed] = await waitFor('delay notice and bounce', async () => {
      const r = await reports(before);
      const d = r.find((m) => /Action: delayed/.test(m.content));
      const f = r.find((m) => /Action: failed/.test(m.content));
      return d && f && [d, f];
    });
    assert.match(delayed.content, /Subject: Delayed Mail/);
    assert.match(delayed.content, /Will-Retry-Until: /);
    assert.match(delayed.content, /Content-Type: text\/rfc822-headers/);
    assert.match(failed.content, /Subject: Undelivered Mail Returned to Sender/);
    assert.match(failed.content, /Final-Recipient: rfc822; dora@down\.test/);
    assert.match(failed.content, /Status: 4\.4\.1/);
    assert.equal((await reports(before)).length, 2, 'one delay notice, one bounce');
  });

  it('null MX and non-existent domains bounce at once; the null sender is never bounced to', async () => {
    const before = (await a.maildir('ann@a.test')).length;
    await send(['x@nomail.test'], 'nullmx');
    const r = await waitFor('null MX bounce', async () => (await reports(before)).find((m) => m.content.includes('x@nomail.test')));
    assert.match(r.content, /Status: 5\.1\.10/);

    const n = enqueued.length;
    await send(['nobody@ok.test', 'x@nowhere.test'], 'fromnull', '');
    await waitFor('both refused', () => peer.rcptReplies.some((x) => x.rcpt === 'nobody@ok.test' && x.code === 550));
    // Give the queue time to settle both recipients, then check nothing was sent back.
    await waitFor('queue empty', () => (a.server.services.db.prepare("SELECT count(*) AS n FROM queue_recipients WHERE state IN ('queued','inflight')").get() as { n: number }).n === 0);
    assert.deepEqual(enqueued.slice(n).filter((m) => m.origin.kind === 'bounce').map((m) => m.recipients), []);
  });
});
