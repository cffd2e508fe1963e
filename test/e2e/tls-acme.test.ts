// ACME end to end against pebble (Let's Encrypt's test CA) on loopback: the server orders its
// certificates, pebble validates them (TLS-ALPN-01 on our IMAPS listener, HTTP-01 through the
// pending challenges), and the listeners present the result without a restart.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/config/schema.ts';
import { startAcmeHttp, type AcmeHttp } from '../harness/acme-http.ts';
import { runCli } from '../harness/cli.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { freePort, startPebble, type Pebble } from '../harness/pebble.ts';
import { sClient } from '../harness/s-client.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs } from '../harness/tools.ts';
import type { TlsStatus } from '../../src/tls/tls-status.ts';

const HOST = 'mx.acme.example';
const A = [{ type: 'A' as const, address: '127.0.0.1' }];

describe('ACME against pebble', needs('pebble', 'openssl'), () => {
  let dir: string;
  let dns: TestDns;
  let pebble: Pebble;
  let http: AcmeHttp;
  let tlsPort: number;
  let t: TestServer | undefined;
  const dataDir = () => path.join(dir, 'data');

  const start = (challenges: string[]) =>
    startTestServer(
      {
        hostname: HOST,
        imaps: { host: '127.0.0.1', port: tlsPort },
        tls: { acme: true, acme_directory: pebble.directoryUrl, acme_email: 'postmaster@acme.example', acme_accept_terms: true, acme_ca_file: pebble.caFile, acme_challenges: challenges },
      } as Partial<Config> as never,
      dataDir(),
      { acmeTimers: { pollMinMs: 100 } },
    );

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-acme-'));
    dns = await startDnsServer({ [HOST]: A, 'autoconfig.good.example': A, 'mta-sts.good.example': A });
    const httpPort = await freePort();
    tlsPort = await freePort();
    pebble = await startPebble({ dir, dnsServer: dns.server, httpPort, tlsPort });
    http = await startAcmeHttp(httpPort, () => t?.server.tls.challenges);
  });
  after(async () => {
    await t?.stop();
    await http?.close();
    await pebble?.close();
    await dns?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('obtains the hostname certificate with TLS-ALPN-01 answered by the IMAPS listener, which then presents it', async () => {
    t = await start(['tls-alpn-01']);
    const before = await sClient(t.imapsPort, { servername: HOST });
    assert.equal(before.subject, before.issuer, 'self-signed until ACME delivers');
    const outcomes = await t.server.tls.acme!.check();
    assert.deepEqual(outcomes, [{ id: HOST, result: 'kept' }], `first pass must have obtained it: ${pebble.output().slice(-2000)}`);
    assert.equal(http.requests.length, 0, 'validated over TLS-ALPN-01, not HTTP');

    for (const servername of [HOST, null]) {
      const h = await sClient(t.imapsPort, { servername });
      assert.ok(h.ok, h.output);
      assert.match(h.issuer ?? '', /Pebble Intermediate/, `SNI ${servername}`);
      assert.match(h.subject ?? '', new RegExp(HOST));
    }
    const smtp = await sClient(t.smtpPort, { servername: HOST, starttls: 'smtp' });
    assert.match(smtp.issuer ?? '', /Pebble Intermediate/);
    const key = path.join(dataDir(), 'tls/acme', `${HOST}.key`);
    assert.ok(existsSync(path.join(dataDir(), 'tls/acme', `${HOST}.crt`)));
    assert.equal(statSync(key).mode & 0o777, 0o600);
    // A normal client offering ALPN "imap" still gets IMAP, and one with only foreign protocols is refused (RFC 7301).
    assert.ok((await sClient(t.imapsPort, { servername: HOST, extra: ['-alpn', 'imap'] })).ok);
    assert.equal((await sClient(t.imapsPort, { servername: HOST, extra: ['-alpn', 'h2'] })).ok, false);
    await t.stop();
    t = undefined;
  });

  it('restarts with the stored certificate; gets one per hosted domain with HTTP-01; a domain without DNS fails alone, with the CA\'s reason', async () => {
    t = await start(['http-01']);
    const served = await sClient(t.imapsPort, { servername: HOST });
    assert.match(served.issuer ?? '', /Pebble Intermediate/, 'the stored certificate is in use from the start');
    await t.addDomain('good.example');
    await t.addDomain('broken.example');
    const acme = t.server.tls.acme!;
    const outcomes = await acme.check();
    const byId = Object.fromEntries(outcomes.map((o) => [o.id, o]));
    assert.equal(byId[HOST].result, 'kept');
    assert.equal(byId['autoconfig.good.example'].result, 'obtained', JSON.stringify(outcomes));
    assert.equal(byId['autoconfig.broken.example'].result, 'failed');
    // Pebble's problem detail names the name and the DNS failure.
    assert.match(byId['autoconfig.broken.example'].error ?? '', /broken\.example/);
    assert.match(byId['autoconfig.broken.example'].error ?? '', /DNS|NXDOMAIN|lookup|resolve/i);
    assert.ok(http.requests.some((r) => /^GET (autoconfig|mta-sts)\.good\.example:\d+ \/\.well-known\/acme-challenge\//.test(r)), http.requests.join('\n'));

    const web = await sClient(t.imapsPort, { servername: 'mta-sts.good.example' });
    assert.match(web.issuer ?? '', /Pebble Intermediate/);
    assert.match(web.subject ?? '', /autoconfig\.good\.example/);
    const fallback = await sClient(t.imapsPort, { servername: 'autoconfig.broken.example' });
    assert.equal(fallback.fingerprint, served.fingerprint, 'a name without a certificate gets the default');

    // Backoff: the failed one is not ordered again at once.
    const again = await acme.check();
    assert.deepEqual(again.map((o) => o.result), ['kept', 'waiting', 'kept']);

    const config = path.join(dir, 'status.toml');
    await writeFile(config, `hostname = "${HOST}"\n[tls]\nacme = true\nacme_accept_terms = true\nacme_directory = "${pebble.directoryUrl}"\n`);
    const r = await runCli(['tls', 'status', '--json', '--config', config, '--data', dataDir()]);
    assert.equal(r.code, 1, 'a planned certificate is missing');
    const status = JSON.parse(r.stdout) as TlsStatus;
    const rows = Object.fromEntries(status.certificates.map((c) => [c.id, c]));
    assert.equal(rows[HOST].source, 'acme');
    assert.equal(rows[HOST].isDefault, true);
    assert.match(rows[HOST].issuer ?? '', /Pebble Intermediate/);
    assert.ok((rows[HOST].daysLeft ?? 0) > 30);
    assert.deepEqual(rows['autoconfig.good.example'].names.sort(), ['autoconfig.good.example', 'mta-sts.good.example']);
    assert.match(rows['autoconfig.broken.example'].error ?? '', /not obtained yet/);
    assert.equal(rows['self-signed'].isDefault, false);
  });
});
