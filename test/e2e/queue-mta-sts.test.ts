// MTA-STS decisions of the remote delivery, with the policy fetch replaced (mailauth fetches
// from port 443, which a test cannot listen on) and a real SMTP peer with a self-signed
// certificate: enforce refuses unlisted MX hosts and unverifiable certificates; testing only logs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MTASTSPolicy } from 'mailauth';
import { silentLogger } from '../../src/core/logger.ts';
import { createResolver } from '../../src/dns/resolver.ts';
import { ConnectionCache } from '../../src/queue/connection-cache.ts';
import { MtaSts, type PolicyFetcher } from '../../src/queue/mta-sts.ts';
import { RemoteDelivery } from '../../src/queue/remote-delivery.ts';
import type { QueuedMessage, QueuedRecipient } from '../../src/queue/store.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { testMessage } from '../harness/queue.ts';
import { startPeer, type Peer } from '../harness/smtp-peer.ts';

describe('MTA-STS', () => {
  let dns: TestDns;
  let peer: Peer;
  const policies: Record<string, MTASTSPolicy> = {};
  const fetcher: PolicyFetcher = async (domain) => (policies[domain] ? { policy: policies[domain], status: 'found' } : { policy: { mode: 'none' }, status: 'not_found' });
  before(async () => {
    peer = await startPeer({});
    dns = await startDnsServer({ 'peer.test': [{ type: 'A', address: '127.0.0.1' }] });
    for (const d of ['enforce-other.test', 'enforce-listed.test', 'testing.test']) dns.zone[d] = [{ type: 'MX', exchange: 'peer.test', priority: 10 }];
    policies['enforce-other.test'] = { mode: 'enforce', mx: ['mx.other.test'], maxAge: 86400 };
    policies['enforce-listed.test'] = { mode: 'enforce', mx: ['*.test'], maxAge: 86400 };
    policies['testing.test'] = { mode: 'testing', mx: ['mx.other.test'], maxAge: 86400 };
  });
  after(async () => {
    await peer.close();
    await dns.close();
  });

  const attempt = async (domain: string) => {
    const resolver = createResolver({ servers: [dns.server], timeoutMs: 500 });
    const remote = new RemoteDelivery(resolver, new ConnectionCache(0), { heloName: 'mx.a.test', port: peer.port, connectTimeoutMs: 2000, commandTimeoutMs: 5000, requireTls: false }, silentLogger(), new MtaSts(resolver, silentLogger(), fetcher));
    const msg: QueuedMessage = { id: 'Q', sender: 'a@a.test', ret: null, envid: null, size: 0, file: '', messageId: '', origin: 'local', originSid: null, account: null, createdAt: Date.now() };
    const rcpt = { id: 1, queueId: 'Q', address: `u@${domain}`, domain, notify: null, orcpt: null } as QueuedRecipient;
    return (await remote.attempt({ kind: 'mx', domain }, `mx:${domain}`, msg, [rcpt], testMessage('a@a.test', rcpt.address, domain))).get(1)!;
  };

  it('enforce: an MX host the policy does not list is not used; delivery waits', async () => {
    const c = peer.connections;
    const r = await attempt('enforce-other.test');
    assert.equal(r.result, 'temporary');
    assert.equal(r.status, '4.7.5');
    assert.equal(peer.connections, c, 'no connection made');
  });

  it('enforce: a listed host whose certificate does not verify is not given the message', async () => {
    const r = await attempt('enforce-listed.test');
    assert.equal(r.result, 'temporary');
    assert.match(r.reply, /certificate|self.signed|ETLS/i);
    assert.ok(!peer.messages.some((m) => m.to.includes('u@enforce-listed.test')));
  });

  it('testing: delivery goes on as without a policy', async () => {
    const r = await attempt('testing.test');
    assert.equal(r.result, 'delivered');
    assert.ok(peer.messages.some((m) => m.to.includes('u@testing.test')));
  });
});
