// Certificates as a client sees them: openssl s_client against the running server's listeners,
// with SNI picking among certificates from files, files replaced while it runs, and the TLS
// policy (TLS 1.2 minimum, forward-secret AEAD ciphers).
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../harness/cli.ts';
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../harness/certs.ts';
import { sClient } from '../harness/s-client.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs } from '../harness/tools.ts';
import type { TlsStatus } from '../../src/tls/tls-status.ts';

const HOST = 'mx.test.example';
const OTHER = 'mail.other.example';

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('TLS certificates on every listener', needs('openssl'), () => {
  let dir: string;
  let ca: TestCa;
  let main: TestLeaf;
  let other: TestLeaf;
  let t: TestServer;
  // The files the config names; the test writes over them.
  const otherFiles = () => ({ cert: path.join(dir, 'served-other.crt'), key: path.join(dir, 'served-other.key') });
  const mainFiles = () => ({ cert: path.join(dir, 'served-main.crt'), key: path.join(dir, 'served-main.key') });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-tls-'));
    ca = makeCa(dir);
    main = makeLeaf(ca, dir, 'main', [HOST]);
    other = makeLeaf(ca, dir, 'other', [OTHER, '*.wild.example']);
    for (const [from, to] of [[main, mainFiles()], [other, otherFiles()]] as const) {
      copyFileSync(from.cert, to.cert);
      copyFileSync(from.key, to.key);
    }
    t = await startTestServer(
      { tls: { ...mainFiles(), certificates: [otherFiles()], reload_interval: 1 } } as never,
      path.join(dir, 'data'),
    );
  });
  after(async () => {
    await t?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('IMAPS picks the certificate by SNI name, and the default for no or unknown names', async () => {
    const cases: [string | null, string][] = [
      [OTHER, other.fingerprint],
      ['x.wild.example', other.fingerprint],
      [HOST, main.fingerprint],
      ['unknown.example', main.fingerprint],
      [null, main.fingerprint],
    ];
    for (const [servername, fingerprint] of cases) {
      const h = await sClient(t.imapsPort, { servername });
      assert.ok(h.ok, h.output);
      assert.equal(h.fingerprint, fingerprint, `SNI ${servername}`);
    }
  });

  it('SMTP STARTTLS, IMAP STARTTLS, POP3 STLS and POP3S present the same certificates', async () => {
    for (const [port, starttls] of [[t.smtpPort, 'smtp'], [t.imapPort, 'imap'], [t.pop3Port, 'pop3'], [t.pop3sPort, undefined]] as const) {
      const a = await sClient(port, { servername: OTHER, starttls });
      assert.equal(a.fingerprint, other.fingerprint, `${starttls ?? 'pop3s'} with SNI: ${a.output}`);
      const b = await sClient(port, { servername: 'nobody.example', starttls });
      assert.equal(b.fingerprint, main.fingerprint, `${starttls ?? 'pop3s'} unknown name`);
    }
  });

  it('refuses TLS 1.1 and ciphers without forward secrecy; speaks TLS 1.2 and 1.3', async () => {
    // SECLEVEL=0 so that it is our server, not the local openssl, that says no.
    const old = await sClient(t.imapsPort, { servername: HOST, extra: ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'] });
    assert.equal(old.ok, false, old.output);
    assert.match(old.output, /alert|no protocols available|wrong version|unsupported protocol/i);
    const smtpOld = await sClient(t.smtpPort, { servername: HOST, starttls: 'smtp', extra: ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'] });
    assert.equal(smtpOld.ok, false, smtpOld.output);
    const rsaKx = await sClient(t.imapsPort, { servername: HOST, extra: ['-tls1_2', '-cipher', 'AES128-SHA:AES256-GCM-SHA384'] });
    assert.equal(rsaKx.ok, false, rsaKx.output);
    const v12 = await sClient(t.imapsPort, { servername: HOST, extra: ['-tls1_2'] });
    assert.ok(v12.ok, v12.output);
    assert.equal(v12.protocol, 'TLSv1.2');
    const v13 = await sClient(t.imapsPort, { servername: HOST, extra: ['-tls1_3'] });
    assert.ok(v13.ok, v13.output);
    assert.equal(v13.protocol, 'TLSv1.3');
  });

  it('reloads replaced files without a restart; a broken replacement is ignored', async () => {
    // A renewed certificate for the same names, written over the configured files.
    const renewed = makeLeaf(ca, dir, 'renewed', [OTHER, '*.wild.example']);
    copyFileSync(renewed.key, otherFiles().key);
    copyFileSync(renewed.cert, otherFiles().cert);
    await until('the renewed certificate on IMAPS', async () => (await sClient(t.imapsPort, { servername: OTHER })).fingerprint === renewed.fingerprint);
    assert.equal((await sClient(t.smtpPort, { servername: OTHER, starttls: 'smtp' })).fingerprint, renewed.fingerprint);
    assert.equal((await sClient(t.pop3sPort, { servername: OTHER })).fingerprint, renewed.fingerprint);

    // The default certificate (clients without SNI) follows its file too.
    const newMain = makeLeaf(ca, dir, 'main2', [HOST]);
    copyFileSync(newMain.key, mainFiles().key);
    copyFileSync(newMain.cert, mainFiles().cert);
    await t.server.tls.files.check();
    for (const [port, starttls] of [[t.imapsPort, undefined], [t.smtpPort, 'smtp'], [t.imapPort, 'imap'], [t.pop3sPort, undefined]] as const) {
      assert.equal((await sClient(port, { servername: null, starttls })).fingerprint, newMain.fingerprint, `port ${port}`);
    }

    // Broken: garbage certificate, then a key that does not match.
    writeFileSync(otherFiles().cert, 'not a certificate\n');
    await t.server.tls.files.check();
    assert.equal((await sClient(t.imapsPort, { servername: OTHER })).fingerprint, renewed.fingerprint);
    copyFileSync(other.cert, otherFiles().cert); // the original cert, with the renewed key
    await t.server.tls.files.check();
    assert.equal((await sClient(t.imapsPort, { servername: OTHER })).fingerprint, renewed.fingerprint);
    copyFileSync(other.key, otherFiles().key);
    await t.server.tls.files.check();
    assert.equal((await sClient(t.imapsPort, { servername: OTHER })).fingerprint, other.fingerprint);
  });

  it('`mailhaven tls status` lists each certificate with names, issuer, expiry and listeners', async () => {
    const config = path.join(dir, 'status.toml');
    writeFileSync(config, `hostname = "${HOST}"\n[tls]\ncert = "${mainFiles().cert}"\nkey = "${mainFiles().key}"\n[[tls.certificates]]\ncert = "${otherFiles().cert}"\nkey = "${otherFiles().key}"\n`);
    const r = await runCli(['tls', 'status', '--json', '--config', config, '--data', path.join(dir, 'data')]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as TlsStatus;
    assert.deepEqual(
      s.certificates.map((c) => [c.id, c.source, c.names, c.isDefault]),
      [
        ['default', 'file', [HOST], true],
        ['file-1', 'file', [OTHER, '*.wild.example'], false],
      ],
    );
    assert.match(s.certificates[0].issuer ?? '', /Mailhaven Test CA/);
    assert.ok(s.certificates.every((c) => c.daysLeft === 0 || c.daysLeft === 1));
    assert.deepEqual(s.certificates[1].servedFor, [OTHER, '*.wild.example']);
    assert.deepEqual(s.listeners, ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'https']);
    const text = await runCli(['tls', 'status', '--config', config, '--data', path.join(dir, 'data')]);
    assert.match(text.stdout, /file-1 {2}\(file\)\n {2}file: +.*served-other\.crt\n {2}names: +mail\.other\.example, \*\.wild\.example/);

    // A broken file is reported, with exit code 1.
    writeFileSync(config, `hostname = "${HOST}"\n[tls]\ncert = "${main.cert}"\nkey = "${other.key}"\n`);
    const bad = await runCli(['tls', 'status', '--config', config, '--data', path.join(dir, 'data')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /ERROR: +the private key does not belong to the certificate/);
  });

  it('refuses to start with a configured certificate it cannot use, and says why', async () => {
    await assert.rejects(
      startTestServer({ tls: { cert: main.cert, key: other.key } } as never, path.join(dir, 'data2')),
      /TLS certificate .*main\.crt with key .*other\.key: the private key does not belong to the certificate/,
    );
  });
});
