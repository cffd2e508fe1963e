// Limits of the runner: at most concurrency_per_destination deliveries to one domain at once
// (the rest wait their turn, none is lost), and a message with too many Received headers
// (a forwarding loop) is refused at enqueue. Delivery over IPv6 to a host with only AAAA.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { testMessage, waitFor } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { startPeer, type Peer } from '../harness/smtp-peer.ts';

describe('queue limits', () => {
  let dns: TestDns;
  let peer: Peer;
  let peer6: Peer;
  let a: TestServer;
  before(async () => {
    peer = await startPeer({ holdData: true });
    // The same port on ::1, for the one [queue] port the test instance uses.
    peer6 = await startPeer({}, '::1', peer.port);
    dns = await startDnsServer({
      'busy.test': [{ type: 'MX', exchange: 'peer.test', priority: 10 }],
      'peer.test': [{ type: 'A', address: '127.0.0.1' }],
      'v6.test': [{ type: 'MX', exchange: 'six.v6.test', priority: 10 }],
      'six.v6.test': [{ type: 'AAAA', address: '::1' }],
    });
    a = await startTestServer({ hostname: 'mx.a.test', dns: { servers: [dns.server], timeout: 500 }, queue: { port: peer.port, poll_interval: 0.05, concurrency_per_destination: 2, idle_reuse: 0 } });
    await a.addDomain('a.test');
    await a.addUser('ann@a.test');
  });
  after(async () => {
    await a.stop();
    await peer.close();
    await peer6.close();
    await dns.close();
  }, { timeout: 30_000 });

  it('delivers to one destination at most concurrency_per_destination at a time', async () => {
    for (let i = 0; i < 6; i++) {
      await a.server.queue.enqueue({ from: 'ann@a.test', recipients: [{ address: `u${i}@busy.test` }], message: testMessage('ann@a.test', `u${i}@busy.test`, `busy${i}`), origin: { kind: 'local' } });
    }
    await waitFor('two deliveries in DATA', () => peer.dataStarts === 2);
    // Give the runner every chance to start more; it must not.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(peer.dataStarts, 2);
    peer.releaseHeld();
    await waitFor('all six delivered', () => peer.messages.length === 6);
    assert.deepEqual(peer.messages.map((m) => m.to[0]).sort(), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'].map((u) => `${u}@busy.test`));
  });

  it('refuses a message that has been through more than 50 hops', async () => {
    const looped = Buffer.concat([Buffer.from('Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000\r\n'.repeat(51)), testMessage('ann@a.test', 'u@busy.test', 'loop')]);
    await assert.rejects(a.server.queue.enqueue({ from: 'ann@a.test', recipients: [{ address: 'u@busy.test' }], message: looped, origin: { kind: 'local' } }), (e: Error & { code?: number }) => e.code === 554 && /loop/.test(e.message));
  });

  it('delivers over IPv6 to a host that has only an AAAA record', async () => {
    await a.server.queue.enqueue({ from: 'ann@a.test', recipients: [{ address: 'v@v6.test' }], message: testMessage('ann@a.test', 'v@v6.test', 'over v6'), origin: { kind: 'local' } });
    const m = await waitFor('delivery over IPv6', () => peer6.messages.find((x) => x.content.includes('Subject: over v6')));
    assert.deepEqual(m.to, ['v@v6.test']);
  });
});
