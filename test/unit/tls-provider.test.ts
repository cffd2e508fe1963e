// Which certificate a name gets, which names ACME orders, and the [tls] config rules.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { acmeCertificatePlan } from '../../src/tls/acme/acme-names.ts';
import { TlsProvider } from '../../src/tls/tls-provider.ts';
import { makeCa, makeLeaf, type TestCa } from '../harness/certs.ts';
import { needs } from '../harness/tools.ts';

describe('acmeCertificatePlan', () => {
  it('orders the hostname alone, then one certificate per hosted domain', () => {
    assert.deepEqual(acmeCertificatePlan('MX.Example.org', ['b.test', 'a.test', 'B.test'], { domainNames: true }), [
      { id: 'mx.example.org', names: ['mx.example.org'] },
      { id: 'autoconfig.a.test', names: ['autoconfig.a.test', 'mta-sts.a.test'] },
      { id: 'autoconfig.b.test', names: ['autoconfig.b.test', 'mta-sts.b.test'] },
    ]);
    assert.deepEqual(acmeCertificatePlan('mx.example.org', ['a.test'], { domainNames: false }), [{ id: 'mx.example.org', names: ['mx.example.org'] }]);
  });
});

describe('[tls] config', () => {
  it('needs the terms accepted for ACME, and takes [[tls.certificates]]', () => {
    const r = configSchema.safeParse({ tls: { acme: true } });
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), /acme_accept_terms/);
    const ok = configSchema.parse({ tls: { acme: true, acme_accept_terms: true, certificates: [{ cert: 'a.crt', key: 'a.key' }] } });
    assert.deepEqual(ok.tls.acme_challenges, ['http-01', 'tls-alpn-01']);
    assert.equal(ok.tls.certificates.length, 1);
    assert.equal(configSchema.safeParse({ tls: { acme_challenges: ['dns-01'] } }).success, false);
  });
});

describe('TlsProvider', needs('openssl'), () => {
  let dir: string;
  let ca: TestCa;
  const pem = (leaf: { cert: string; key: string }) => ({ cert: readFileSync(leaf.cert, 'utf8'), key: readFileSync(leaf.key, 'utf8') });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-tlsp-'));
    ca = makeCa(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('picks by exact name, then wildcard, then the default; files beat ACME beat self-signed', () => {
    const p = new TlsProvider({ hostname: 'mx.example.org', log: silentLogger() });
    const self = p.install('self-signed', 'self-signed', pem(makeLeaf(ca, dir, 's', ['mx.example.org'])));
    assert.equal(p.defaultCertificate(), self);
    const acme = p.install('mx.example.org', 'acme', pem(makeLeaf(ca, dir, 'a', ['mx.example.org'])));
    assert.equal(p.defaultCertificate(), acme, 'ACME takes over the hostname from the self-signed one');
    const wild = p.install('file-1', 'file', pem(makeLeaf(ca, dir, 'w', ['*.other.org', 'other.org'])));
    assert.equal(p.certificateFor('imap.other.org'), wild);
    assert.equal(p.certificateFor('OTHER.org.'), wild);
    assert.equal(p.certificateFor('a.b.other.org'), acme);
    assert.equal(p.certificateFor(undefined), acme);
    const file = p.install('file-2', 'file', pem(makeLeaf(ca, dir, 'f', ['mx.example.org'])));
    assert.equal(p.certificateFor('mx.example.org'), file);
    p.setDefault('file-1');
    assert.equal(p.certificateFor('unknown.example'), wild);
    p.remove('file-2');
    assert.equal(p.certificateFor('mx.example.org'), acme);
  });

  it('refuses a certificate whose key does not match, keeping the one installed', () => {
    const p = new TlsProvider({ hostname: 'mx.example.org', log: silentLogger() });
    const a = makeLeaf(ca, dir, 'k1', ['mx.example.org']);
    const b = makeLeaf(ca, dir, 'k2', ['mx.example.org']);
    const first = p.install('default', 'file', pem(a));
    let changes = 0;
    p.onChange(() => changes++);
    assert.throws(() => p.install('default', 'file', { cert: pem(a).cert, key: pem(b).key }), /private key does not belong/);
    assert.throws(() => p.install('default', 'file', { cert: 'garbage', key: pem(b).key }), /not a PEM certificate/);
    assert.equal(p.defaultCertificate(), first);
    assert.equal(changes, 0);
  });
});
