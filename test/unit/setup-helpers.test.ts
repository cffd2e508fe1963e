// Pieces of the set-up tools that need no server: public address discovery, blocklist
// answers, the MTA-STS id, client endpoints, and the server's scheduled DNS check.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { configSchema } from '../../src/config/schema.ts';
import { DkimKeyStore, type DkimKeyInfo } from '../../src/dkim/key-store.ts';
import { createResolver } from '../../src/dns/resolver.ts';
import { clientEndpoints } from '../../src/setup/client-settings.ts';
import { scheduleDnsCheck } from '../../src/setup/daily-check.ts';
import { dnsblName, lookupDnsbl } from '../../src/setup/dnsbl.ts';
import { mtaStsId, mtaStsPolicy } from '../../src/setup/mta-sts.ts';
import { isPublicIp, publicIps } from '../../src/setup/public-ips.ts';
import { startDnsServer, type Zone } from '../harness/dns-server.ts';

type Iface = { address: string; family: 'IPv4' | 'IPv6'; internal: boolean };
const ifaces = (...list: Iface[]) =>
  ({ eth0: list.map((i) => ({ ...i, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(i.family === 'IPv6' ? { scopeid: 0 } : {}) })) }) as unknown as ReturnType<typeof os.networkInterfaces>;

describe('public addresses', () => {
  it('tells public from private, shared, link-local and documentation ranges', () => {
    for (const ip of ['8.8.8.8', '185.12.64.1', '2a01:4f8::1', '2600::1']) assert.ok(isPublicIp(ip), ip);
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '192.0.2.1', '203.0.113.5', '::1', 'fe80::1', 'fd00::1', '2001:db8::1', '::ffff:10.0.0.1', 'nonsense']) {
      assert.ok(!isPublicIp(ip), ip);
    }
  });

  it('takes the config first, else the interfaces, and says clearly when it cannot tell', () => {
    const config = configSchema.parse({});
    const behindNat = publicIps(config, ifaces({ address: '192.168.1.10', family: 'IPv4', internal: false }, { address: '127.0.0.1', family: 'IPv4', internal: true }));
    assert.equal(behindNat.ipv4, null);
    assert.match(behindNat.problems[0], /cannot discover .*public IPv4.*NAT.*\[network\] public_ipv4/);
    const direct = publicIps(config, ifaces({ address: '185.12.64.1', family: 'IPv4', internal: false }, { address: '2a01:4f8::25', family: 'IPv6', internal: false }));
    assert.deepEqual([direct.ipv4, direct.ipv6, direct.problems], ['185.12.64.1', '2a01:4f8::25', []]);
    const configured = publicIps(configSchema.parse({ network: { public_ipv4: '198.51.100.1', public_ipv6: 'none' } }), ifaces({ address: '2a01:4f8::25', family: 'IPv6', internal: false }));
    assert.deepEqual([configured.ipv4, configured.ipv6], ['198.51.100.1', null]);
  });
});

describe('DNS blocklists', () => {
  it('builds RFC 5782 query names for IPv4 and IPv6', () => {
    assert.equal(dnsblName('192.0.2.99', 'zen.spamhaus.org'), '99.2.0.192.zen.spamhaus.org');
    assert.equal(dnsblName('2001:db8:1:2:3:4:567:89ab', 'bl.test'), 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test');
  });

  it('explains a Spamhaus listing and recognises a refused query', async () => {
    const dns = await startDnsServer({
      '2.0.0.192.zen.spamhaus.org': [{ type: 'A', address: '127.0.0.4' }],
      '3.0.0.192.zen.spamhaus.org': [{ type: 'A', address: '127.255.255.254' }],
    });
    try {
      const r = createResolver({ servers: [dns.server], timeoutMs: 1000 });
      const listed = await lookupDnsbl(r, '192.0.0.2', 'zen.spamhaus.org');
      assert.equal(listed.state, 'listed');
      assert.match((listed as { meaning: string }).meaning, /XBL/);
      assert.match((listed as { action: string }).action, /check\.spamhaus\.org/);
      const refused = await lookupDnsbl(r, '192.0.0.3', 'zen.spamhaus.org');
      assert.equal(refused.state, 'unusable');
      assert.equal((await lookupDnsbl(r, '192.0.0.4', 'zen.spamhaus.org')).state, 'clean');
    } finally {
      await dns.close();
    }
  });
});

describe('MTA-STS and client endpoints', () => {
  it('derives the policy id from the policy, so it changes exactly when the policy does', () => {
    const a = configSchema.parse({ hostname: 'mx.example.org' });
    const b = configSchema.parse({ hostname: 'mx.example.org', mta_sts: { mode: 'enforce' } });
    assert.equal(mtaStsId(mtaStsPolicy(a)), mtaStsId(mtaStsPolicy(configSchema.parse({ hostname: 'MX.example.org' }))));
    assert.notEqual(mtaStsId(mtaStsPolicy(a)), mtaStsId(mtaStsPolicy(b)));
    assert.match(mtaStsId(mtaStsPolicy(a)), /^[A-Za-z0-9]{1,32}$/);
  });

  it('lists implicit TLS first, leaves out disabled listeners, and reads [submission] when it exists', () => {
    const c = configSchema.parse({ pop3: { enabled: false } });
    assert.deepEqual(
      clientEndpoints(c).map((e) => `${e.protocol}:${e.port}:${e.security}`),
      ['imap:993:tls', 'imap:143:starttls', 'pop3:995:tls', 'smtp:465:tls', 'smtp:587:starttls'],
    );
    const withSubmission = { ...c, submission: { enabled: false, port: 587 }, submissions: { enabled: true, port: 4465 } } as typeof c;
    assert.deepEqual(clientEndpoints(withSubmission).filter((e) => e.protocol === 'smtp').map((e) => e.port), [4465]);
  });
});

describe('the server\'s scheduled DNS check', () => {
  it('logs each problem and never throws, even when DNS does not answer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-dnscheck-'));
    const dns = await startDnsServer({ 'example.test': [{ type: 'MX', priority: 10, exchange: 'elsewhere.test' }] });
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }));
    const config = configSchema.parse({ hostname: 'mx.example.test', network: { public_ipv4: '198.51.100.1', public_ipv6: 'none' }, dns_check: { blocklists: [], first_delay: 3600 } });
    const directory = { listDomains: async () => ['example.test'] };
    try {
      const good = scheduleDnsCheck({ config, directory, resolver: createResolver({ servers: [dns.server], timeoutMs: 500 }), dkim: new DkimKeyStore(dir), log });
      await good.runNow();
      good.stop();
      const mx = lines.find((l) => l.event === 'dns.check.problem' && l.check === 'mx');
      assert.ok(mx);
      assert.equal(mx.status, 'wrong');
      assert.match(String(mx.fix), /10 mx\.example\.test\./);
      assert.equal(lines.find((l) => l.event === 'dns.check')?.ok, false);

      lines.length = 0;
      await dns.close();
      const down = scheduleDnsCheck({ config, directory, resolver: createResolver({ servers: [dns.server], timeoutMs: 200, tries: 1 }), dkim: new DkimKeyStore(dir), log });
      await down.runNow();
      down.stop();
      assert.ok(lines.some((l) => l.event === 'dns.check.problem' && l.status === 'error'));
    } finally {
      await dns.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('asks the host\'s questions once per run and each domain\'s once, deriving each DKIM public key once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-dnscheck-'));
    const domains = ['a.test', 'b.test', 'c.test'];
    const zone: Zone = { 'mx.example.test': [{ type: 'A', address: '198.51.100.1' }] };
    for (const d of domains) zone[d] = [{ type: 'MX', priority: 10, exchange: 'mx.example.test' }];
    // No PTR: a host problem, which each domain's report still lists.
    const dns = await startDnsServer(zone);
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }));
    const config = configSchema.parse({ hostname: 'mx.example.test', network: { public_ipv4: '198.51.100.1', public_ipv6: 'none' }, dns_check: { blocklists: ['bl.test'], first_delay: 3600 } });
    /** The real key store, counting public keys derived for DNS records. */
    class CountingKeys extends DkimKeyStore {
      derived = 0;
      override dnsRecordOf(domain: string, k: DkimKeyInfo): string {
        this.derived++;
        return super.dnsRecordOf(domain, k);
      }
    }
    const dkim = new CountingKeys(dir);
    for (const d of domains) dkim.ensure(d);
    try {
      const check = scheduleDnsCheck({ config, directory: { listDomains: async () => domains }, resolver: createResolver({ servers: [dns.server], timeoutMs: 1000 }), dkim, log });
      await check.runNow();
      check.stop();
      const asked = (q: string) => dns.queries.filter((x) => x === q).length;
      for (const q of ['A mx.example.test', 'AAAA mx.example.test', 'PTR 1.100.51.198.in-addr.arpa', 'A 1.100.51.198.bl.test']) assert.equal(asked(q), 1, q);
      for (const d of domains) {
        for (const q of [`MX ${d}`, `TXT ${d}`, `TXT _dmarc.${d}`, `A autoconfig.${d}`]) assert.equal(asked(q), 1, q);
        // The same report per domain as before: its own lines and the host's.
        const mine = lines.filter((l) => l.domain === d);
        assert.deepEqual(mine.filter((l) => l.event === 'dns.check.problem' && l.check === 'ptr').map((l) => l.status), ['missing'], d);
        assert.ok(mine.some((l) => l.event === 'dns.check.problem' && l.check === 'spf'), d);
        assert.equal(mine.find((l) => l.event === 'dns.check')?.ok, false, d);
      }
      assert.equal(dkim.derived, domains.length * 2, 'each of the 2 keys of each domain once');
    } finally {
      await dns.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
