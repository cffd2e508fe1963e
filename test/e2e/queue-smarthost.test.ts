// Outbound mail through a smarthost: STARTTLS required, AUTH with a password read from a file
// in the data directory, every destination routed to the relay (no MX lookups).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { testMessage, waitFor } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { startPeer, type Peer } from '../harness/smtp-peer.ts';

describe('smarthost', () => {
  let dns: TestDns;
  let relay: Peer;
  let a: TestServer;
  let dir: string;
  before(async () => {
    dns = await startDnsServer({ 'relay.test': [{ type: 'A', address: '127.0.0.1' }] });
    relay = await startPeer({ auth: { user: 'relayuser', pass: 's3cret pass' }, reject: (r) => r.startsWith('nobody@') });
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-smarthost-'));
    await writeFile(path.join(dir, 'relay.pass'), 's3cret pass\n', { mode: 0o600 });
    a = await startTestServer(
      {
        hostname: 'mx.a.test',
        dns: { servers: [dns.server], timeout: 500 },
        queue: { poll_interval: 0.05, retry_initial: 0.2 },
        smarthost: { host: 'relay.test', port: relay.port, tls: 'starttls', verify_certificate: false, username: 'relayuser', password_file: 'relay.pass' },
      },
      dir,
    );
    await a.addDomain('a.test');
    await a.addUser('ann@a.test');
  });
  after(async () => {
    await a.stop();
    await relay.close();
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  }, { timeout: 30_000 });

  it('sends every outbound message through the relay, authenticated over STARTTLS', async () => {
    await a.server.queue.enqueue({ from: 'ann@a.test', recipients: [{ address: 'someone@unresolvable.test' }, { address: 'nobody@else.test' }], message: testMessage('ann@a.test', 'someone@unresolvable.test', 'via relay'), origin: { kind: 'local' } });
    const m = await waitFor('the relay receiving it', () => relay.messages.find((x) => x.content.includes('Subject: via relay')));
    assert.equal(m.user, 'relayuser');
    assert.ok(m.secure);
    assert.deepEqual(m.to, ['someone@unresolvable.test']);
    assert.equal(m.from, 'ann@a.test');
    assert.ok(!dns.queries.some((q) => q.startsWith('MX ')), 'no MX lookups with a smarthost for all domains');
    // The relay's 550 for the other recipient bounces it, with the relay as Remote-MTA.
    const dsn = await waitFor('the bounce', async () => (await a.maildir('ann@a.test')).find((f) => f.content.includes('multipart/report')));
    assert.match(dsn.content, /Final-Recipient: rfc822; nobody@else\.test/);
    assert.match(dsn.content, /Remote-MTA: dns; relay\.test/);
  });

  it('reuses the open connection for the next message to the same destination', async () => {
    const before = relay.connections;
    await a.server.queue.enqueue({ from: 'ann@a.test', recipients: [{ address: 'r2@x.test' }], message: testMessage('ann@a.test', 'r2@x.test', 'second'), origin: { kind: 'local' } });
    await waitFor('the second message', () => relay.messages.find((x) => x.content.includes('Subject: second')));
    assert.equal(relay.connections, before, 'no new connection');
  });
});
