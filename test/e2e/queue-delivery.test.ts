// Outbound delivery between two Mailhaven instances through a loopback DNS server: A's queue
// finds B by MX and delivers over SMTP (STARTTLS); MX preference with fallback; a 5xx for one
// of several recipients bounces that one only, with an RFC 3464 report.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { waitFor, testMessage } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

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
    a = await startTestServer({
      hostname: 'mx.a.test',
      dns: { servers: [dns.server], timeout: 500 },
      queue: { port: b.smtpPort, retry_initial: 0.3, poll_interval: 0.1, connect_timeout: 2 },
    });
    await a.addDomain('a.test');
    await a.addUser('ann@a.test');
    dns.zone = {
      'b.test': [{ type: 'MX', exchange: 'mx.b.test', priority: 10 }],
      'mx.b.test': [{ type: 'A', address: '127.0.0.1' }],
      // Preferred MX refuses connections (nothing listens on 127.0.0.2), the next one is B.
      'fallback.b.test': [
        { type: 'MX', exchange: 'dead.b.test', priority: 5 },
        { type: 'MX', exchange: 'mx.b.test', priority: 20 },
      ],
      'dead.b.test': [{ type: 'A', address: '127.0.0.2' }],
    };
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await dns.close();
  });

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
});
