// The loopback DNS server and our resolver agree on answers, absence and temporary failure.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createResolver, isNotFound, isNxDomain, orNone, reverseName } from '../../src/dns/resolver.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';

let dns: TestDns;
before(async () => {
  dns = await startDnsServer({
    'example.test': [
      { type: 'MX', exchange: 'mx2.example.test', priority: 20 },
      { type: 'MX', exchange: 'mx1.example.test', priority: 10 },
      { type: 'TXT', data: 'v=spf1 mx -all' },
    ],
    'mx1.example.test': [{ type: 'A', address: '127.0.0.1' }, { type: 'AAAA', address: '::1' }],
    'sel._domainkey.example.test': [{ type: 'TXT', data: 'v=DKIM1; k=rsa; p=' + 'A'.repeat(400) }],
    '1.0.0.127.in-addr.arpa': [{ type: 'PTR', domain: 'mx1.example.test' }],
    'autoconfig.example.test': [{ type: 'CNAME', domain: 'mx1.example.test' }],
  });
});
after(() => dns.close());

test('records, absence and SERVFAIL', async () => {
  const r = createResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1 });
  const mx = await r.resolveMx('example.test');
  assert.deepEqual(mx.sort((a, b) => a.priority - b.priority).map((m) => m.exchange), ['mx1.example.test', 'mx2.example.test']);
  assert.deepEqual(await r.resolve4('mx1.example.test'), ['127.0.0.1']);
  assert.deepEqual(await r.resolve6('mx1.example.test'), ['::1']);
  assert.equal((await r.resolveTxt('sel._domainkey.example.test'))[0]!.join('').length, 'v=DKIM1; k=rsa; p='.length + 400);
  assert.deepEqual(await r.resolvePtr(reverseName('127.0.0.1')), ['mx1.example.test']);
  assert.deepEqual(await r.resolve4('autoconfig.example.test'), ['127.0.0.1']);
  await assert.rejects(r.resolveMx('nowhere.test'), (e) => isNxDomain(e));
  await assert.rejects(r.resolveMx('mx1.example.test'), (e) => isNotFound(e) && !isNxDomain(e));
  assert.deepEqual(await orNone(r.resolve6('mx2.example.test')), []);
  dns.servfail.add('broken.test');
  await assert.rejects(r.resolveMx('broken.test'), (e) => !isNotFound(e));
});

test('reverse names', () => {
  assert.equal(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
  assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
});
