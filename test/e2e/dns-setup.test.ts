// `mailhaven dns records` and `mailhaven dns check` against a loopback DNS server: the zone
// built from what `dns records` recommends passes; each deliberately broken record is reported
// with the right fix and exit code.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DnsRecord } from '../../src/setup/dns-records.ts';
import { loadConfig } from '../../src/config/load.ts';
import { DkimKeyStore } from '../../src/dkim/key-store.ts';
import { createResolver } from '../../src/dns/resolver.ts';
import { createTtlProbe } from '../../src/dns/ttl-probe.ts';
import { exitCode, formatFindings, runDnsCheck, type Finding } from '../../src/setup/dns-check.ts';
import { publicIps } from '../../src/setup/public-ips.ts';
import { runCli } from '../harness/cli.ts';
import { startDnsServer, type Rr, type TestDns, type Zone } from '../harness/dns-server.ts';
import { startTestServer } from '../harness/server.ts';
import { webRequest } from '../harness/web-client.ts';

const IP = '203.0.113.25';
const PTR_NAME = '25.113.0.203.in-addr.arpa';

/** Zone-file records as the loopback server's zone objects. */
function toZone(records: DnsRecord[]): Zone {
  const zone: Zone = {};
  for (const r of records) {
    const name = r.name.replace(/\.$/, '');
    const v = r.value.replace(/\.$/, '');
    let rr: Rr;
    if (r.type === 'MX') rr = { type: 'MX', priority: Number(v.split(' ')[0]), exchange: v.split(' ')[1] };
    else if (r.type === 'SRV') {
      const [priority, weight, port, target] = r.value.split(' ');
      rr = { type: 'SRV', priority: Number(priority), weight: Number(weight), port: Number(port), target: target.replace(/\.$/, '') || '.' };
    } else if (r.type === 'TXT') rr = { type: 'TXT', data: r.value };
    else if (r.type === 'CNAME' || r.type === 'PTR') rr = { type: r.type, domain: v };
    else rr = { type: r.type, address: v };
    (zone[name] ??= []).push(rr);
  }
  return zone;
}

describe('mailhaven dns records / dns check', () => {
  let dir: string;
  let dns: TestDns;
  let good: Zone;
  let records: DnsRecord[];
  const cli = (args: string[]) => runCli([...args, '--data', dir]);
  const checkCli = async (extra: string[] = []) => {
    const r = await cli(['dns', 'check', 'example.test', '--json', ...extra]);
    assert.equal(r.stderr, '');
    return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
  };
  // The broken zones run the same check in this process (a CLI start costs seconds on a busy
  // machine); exitCode() is what the CLI exits with.
  const check = async () => {
    const config = loadConfig(path.join(dir, 'mailhaven.toml'));
    const findings = await runDnsCheck({
      domain: 'example.test',
      config,
      ips: publicIps(config),
      resolver: createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout }),
      dkim: new DkimKeyStore(path.join(dir, 'dkim')),
      ttl: createTtlProbe(config.dns.servers, config.dns.timeout),
    });
    return { code: exitCode(findings), findings };
  };
  const bad = (findings: Finding[]) => findings.filter((f) => f.status === 'missing' || f.status === 'wrong' || f.status === 'error');
  const edit = (fn: (z: Zone) => void) => {
    const z = structuredClone(good);
    fn(z);
    dns.zone = z;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-dns-'));
    dns = await startDnsServer();
    await writeFile(
      path.join(dir, 'mailhaven.toml'),
      [
        'hostname = "mx.example.test"',
        '[network]',
        `public_ipv4 = "${IP}"`,
        'public_ipv6 = "none"',
        '[dns]',
        `servers = ["${dns.server}"]`,
        'timeout = 1000',
        '[dns_check]',
        'blocklists = ["bl.test"]',
      ].join('\n'),
    );
    assert.equal((await cli(['domain', 'add', 'example.test'])).code, 0);
    const r = await cli(['dns', 'records', 'example.test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { records: DnsRecord[]; ptr: DnsRecord[] };
    records = out.records;
    good = toZone([...out.records, ...out.ptr]);
  });
  beforeEach(() => {
    dns.zone = structuredClone(good);
  });
  after(async () => {
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('recommends every record in zone-file syntax, with DKIM keys made on first use', async () => {
    const byId = Object.fromEntries(records.map((r) => [r.id, r]));
    assert.equal(byId.mx.value, '10 mx.example.test.');
    assert.equal(byId.a.value, IP);
    assert.equal(byId.aaaa, undefined);
    assert.equal(byId.spf.value, 'v=spf1 mx ~all');
    assert.match(byId.dmarc.value, /^v=DMARC1; p=quarantine; rua=mailto:postmaster@example\.test$/);
    assert.match(byId['mta-sts'].value, /^v=STSv1; id=[A-Za-z0-9]{1,32}$/);
    assert.equal(byId['mta-sts-host'].value, 'mx.example.test.');
    assert.equal(byId.tlsrpt.name, '_smtp._tls.example.test.');
    assert.equal(records.filter((r) => r.id.startsWith('dkim:')).length, 2);
    for (const s of ['_submissions', '_submission', '_imaps', '_imap', '_pop3s', '_pop3']) assert.ok(byId[`srv:${s}`], s);
    assert.equal(byId['srv:_imaps'].value, '0 1 993 mx.example.test.');
    assert.equal(byId['srv:_submissions'].value, '0 1 465 mx.example.test.');
    for (const r of records) assert.ok(r.ttl >= 300 && r.ttl <= 86400);

    const text = await cli(['dns', 'records', 'example.test', '--strict']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^example\.test\.\s+3600 IN MX\s+10 mx\.example\.test\.$/m);
    assert.match(text.stdout, /^example\.test\.\s+3600 IN TXT\s+"v=spf1 mx -all"$/m);
    // A 2048-bit RSA key is longer than one 255-octet string: split into several, as RFC 1035 wants.
    assert.match(text.stdout, /^mh\w+r\._domainkey\.example\.test\.\s+3600 IN TXT\s+"v=DKIM1; k=rsa; p=[^"]{200,}" "[^"]+"$/m);
    assert.match(text.stdout, /^; 25\.113\.0\.203\.in-addr\.arpa\.\s+3600 IN PTR\s+mx\.example\.test\.$/m);
    assert.match(text.stdout, /ask the provider/i);
    const again = await cli(['dns', 'records', 'example.test', '--json']);
    assert.deepEqual((JSON.parse(again.stdout) as { records: DnsRecord[] }).records, records, 'keys are made once, not on every run');

    const notHosted = await cli(['dns', 'records', 'other.test']);
    assert.equal(notHosted.code, 1);
    assert.match(notHosted.stderr, /not a hosted domain.*mailhaven domain add other\.test/);
  });

  it('passes the good zone with exit 0, record by record', async () => {
    const { code, findings } = await checkCli();
    assert.deepEqual(bad(findings), []);
    assert.equal(code, 0);
    const checks = new Set(findings.filter((f) => f.status === 'ok').map((f) => f.check));
    for (const c of ['mx', 'a', 'ptr', 'spf', 'dkim', 'dmarc', 'mta-sts', 'tlsrpt', 'discovery', 'ttl', 'dnsbl']) assert.ok(checks.has(c), c);
    assert.match(formatFindings('example.test', findings), /all required records are in place/);
  });

  it('reports an MX that points elsewhere', async () => {
    edit((z) => (z['example.test'] = z['example.test'].map((r) => (r.type === 'MX' ? { ...r, exchange: 'mail.elsewhere.test' } : r))));
    const { code, findings } = await check();
    assert.equal(code, 1);
    const [f] = bad(findings).filter((x) => x.check === 'mx');
    assert.equal(f.status, 'wrong');
    assert.match(f.message, /mail\.elsewhere\.test/);
    assert.match(f.fix!, /example\.test\.\s+3600 IN MX\s+10 mx\.example\.test\./);
    const text = await cli(['dns', 'check', 'example.test']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^WRONG\s+mx\s+/m);
    assert.match(text.stdout, /^\s+fix: replace the MX record\(s\) with: /m);
  });

  it('reports a missing SPF record', async () => {
    edit((z) => (z['example.test'] = z['example.test'].filter((r) => r.type !== 'TXT')));
    const { code, findings } = await check();
    assert.equal(code, 1);
    const f = findings.find((x) => x.check === 'spf')!;
    assert.equal(f.status, 'missing');
    assert.match(f.fix!, /"v=spf1 mx ~all"/);
  });

  it('reports SPF that does not cover our address, with the mechanism to add', async () => {
    edit((z) => (z['example.test'] = [...z['example.test'].filter((r) => r.type !== 'TXT'), { type: 'TXT', data: 'v=spf1 ip4:198.51.100.7 -all' }]));
    const { code, findings } = await check();
    assert.equal(code, 1);
    const f = findings.find((x) => x.check === 'spf')!;
    assert.equal(f.status, 'wrong');
    assert.match(f.message, /does not authorise .*203\.0\.113\.25 \(result: fail\)/);
    assert.match(f.fix!, /"v=spf1 ip4:198\.51\.100\.7 ip4:203\.0\.113\.25 -all"/);
  });

  it('reports an include loop and a record needing more than 10 lookups', async () => {
    edit((z) => {
      z['example.test'] = [...z['example.test'].filter((r) => r.type !== 'TXT'), { type: 'TXT', data: 'v=spf1 include:loop.example.test ~all' }];
      z['loop.example.test'] = [{ type: 'TXT', data: 'v=spf1 include:example.test ~all' }];
    });
    let { code, findings } = await check();
    assert.equal(code, 1);
    let f = findings.find((x) => x.check === 'spf')!;
    assert.equal(f.status, 'wrong');
    assert.match(f.message, /more than 10 DNS lookups/);
    assert.match(f.fix!, /v=spf1 mx ~all/);

    edit((z) => {
      const includes = Array.from({ length: 11 }, (_, i) => `include:s${i}.example.test`).join(' ');
      z['example.test'] = [...z['example.test'].filter((r) => r.type !== 'TXT'), { type: 'TXT', data: `v=spf1 ${includes} mx ~all` }];
      for (let i = 0; i < 11; i++) z[`s${i}.example.test`] = [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.1 ~all' }];
    });
    ({ code, findings } = await check());
    assert.equal(code, 1);
    f = findings.find((x) => x.check === 'spf')!;
    assert.match(f.message, /more than 10 DNS lookups/);
  });

  it('reports a DKIM record holding another key', async () => {
    const rsa = records.find((r) => r.id.startsWith('dkim:') && r.value.includes('k=rsa'))!;
    const name = rsa.name.replace(/\.$/, '');
    edit((z) => (z[name] = [{ type: 'TXT', data: rsa.value.replace(/.{8}$/, 'AAAAAAAA') }]));
    const { code, findings } = await check();
    assert.equal(code, 1);
    const f = findings.find((x) => x.check === 'dkim' && x.name === name)!;
    assert.equal(f.status, 'wrong');
    assert.ok(f.fix!.includes(rsa.value.slice(0, 60)));
    assert.equal(findings.find((x) => x.check === 'dkim' && x.name !== name)!.status, 'ok');
  });

  it('reports a missing DMARC record', async () => {
    edit((z) => delete z['_dmarc.example.test']);
    const { code, findings } = await check();
    assert.equal(code, 1);
    const f = findings.find((x) => x.check === 'dmarc')!;
    assert.equal(f.status, 'missing');
    assert.match(f.fix!, /_dmarc\.example\.test\.\s+3600 IN TXT\s+"v=DMARC1; p=quarantine; rua=mailto:postmaster@example\.test"/);
  });

  it('reports reverse DNS that does not match the SMTP banner name', async () => {
    edit((z) => (z[PTR_NAME] = [{ type: 'PTR', domain: 'static-203-0-113-25.provider.test' }]));
    const { code, findings } = await check();
    assert.equal(code, 1);
    const f = findings.find((x) => x.check === 'ptr')!;
    assert.equal(f.status, 'wrong');
    assert.match(f.message, /SMTP banner/);
    assert.match(f.fix!, /hosting company.*25\.113\.0\.203\.in-addr\.arpa\.\s+3600 IN PTR\s+mx\.example\.test\./);
  });

  it('reports an address listed on a DNS blocklist, with what it means', async () => {
    edit((z) => (z['25.113.0.203.bl.test'] = [{ type: 'A', address: '127.0.0.2' }, { type: 'TXT', data: 'spam trap hit, see https://bl.test/' }]));
    const { code, findings } = await check();
    assert.equal(code, 1);
    const f = findings.find((x) => x.check === 'dnsbl')!;
    assert.equal(f.status, 'wrong');
    assert.match(f.message, /LISTED on bl\.test \(127\.0\.0\.2\).*spam trap hit/);
    assert.match(f.fix!, /request removal/);
  });

  it('reports a stale MTA-STS id, a missing TLS-RPT record and a wrong A record', async () => {
    edit((z) => {
      z['_mta-sts.example.test'] = [{ type: 'TXT', data: 'v=STSv1; id=20200101000000Z' }];
      delete z['_smtp._tls.example.test'];
      z['mx.example.test'] = [{ type: 'A', address: '198.51.100.99' }];
    });
    const { code, findings } = await check();
    assert.equal(code, 1);
    const by = (c: string) => findings.find((x) => x.check === c && x.status !== 'ok')!;
    assert.equal(by('mta-sts').status, 'wrong');
    assert.match(by('mta-sts').fix!, /v=STSv1; id=[0-9a-f]{20}/);
    assert.equal(by('tlsrpt').status, 'missing');
    assert.equal(by('a').status, 'wrong');
    assert.match(by('a').fix!, /mx\.example\.test\.\s+3600 IN A\s+203\.0\.113\.25/);
  });

  it('exits 2 when lookups fail but nothing is known to be wrong, and never crashes', async () => {
    dns.servfail.add('_dmarc.example.test');
    try {
      const { code, findings } = await check();
      assert.equal(code, 2);
      assert.equal(findings.find((x) => x.check === 'dmarc')!.status, 'error');
    } finally {
      dns.servfail.clear();
    }
    // --resolver is used: a port with nothing listening fails every lookup (exit 2, no crash).
    const r = await checkCli(['--resolver', '127.0.0.1:9']);
    assert.equal(r.code, 2);
    assert.ok(r.findings.filter((f) => f.check !== 'ttl').every((f) => f.status === 'error' || f.check === 'dkim' || f.check === 'dnsbl'));
    const badArg = await cli(['dns', 'check', 'example.test', '--resolver', 'not-an-ip']);
    assert.equal(badArg.code, 1);
    assert.match(badArg.stderr, /--resolver wants an IP address/);
  });

  it('client-settings prints the ports table', async () => {
    const r = await cli(['client-settings', 'Kim@Example.test']);
    assert.equal(r.code, 0, r.stderr);
    for (const row of [/IMAP \(incoming\)\s+mx\.example\.test\s+993\s+SSL\/TLS\s+Kim@example\.test/, /IMAP \(incoming\)\s+mx\.example\.test\s+143\s+STARTTLS/, /POP3 \(incoming\)\s+mx\.example\.test\s+995\s+SSL\/TLS/, /POP3 \(incoming\)\s+mx\.example\.test\s+110\s+STARTTLS/, /SMTP \(outgoing\)\s+mx\.example\.test\s+465\s+SSL\/TLS/, /SMTP \(outgoing\)\s+mx\.example\.test\s+587\s+STARTTLS/]) {
      assert.match(r.stdout, row);
    }
    assert.match(r.stderr, /no account/);
  });
});

describe('the running server checks DNS by itself', () => {
  it('asks about every hosted domain shortly after start, and a failing DNS does not stop it', async () => {
    const dns = await startDnsServer({});
    dns.servfail.add('example.test');
    const t = await startTestServer({
      hostname: 'mx.example.test',
      network: { public_ipv4: IP, public_ipv6: 'none' },
      dns: { servers: [dns.server], timeout: 500 },
      dns_check: { enabled: true, first_delay: 1, blocklists: ['bl.test'] },
    });
    try {
      await t.addDomain('example.test');
      const deadline = Date.now() + 10_000;
      while (!dns.queries.includes('A 25.113.0.203.bl.test') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const q of ['MX example.test', 'TXT _dmarc.example.test', 'PTR 25.113.0.203.in-addr.arpa', 'A 25.113.0.203.bl.test']) assert.ok(dns.queries.includes(q), q);
      // Still serving.
      assert.equal((await webRequest(t.httpsPort, { secure: true, path: '/.well-known/mta-sts.txt', host: 'mta-sts.example.test' })).status, 200);
    } finally {
      await t.stop();
      await dns.close();
    }
  });
});
