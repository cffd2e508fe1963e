// The certificate every TLS listener presents: PEM files named in the config, or a
// self-signed one made for the hostname on first start and kept in data/tls/.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';

export type TlsMaterial = { key: string; cert: string; selfSigned: boolean; names: string[]; validTo: Date };

export async function loadTlsMaterial(opts: { cert: string; key: string; hostname: string; tlsDir: string }): Promise<TlsMaterial> {
  if (opts.cert || opts.key) {
    if (!opts.cert || !opts.key) throw new Error('tls.cert and tls.key must be set together');
    const [cert, key] = await Promise.all([readFile(opts.cert, 'utf8'), readFile(opts.key, 'utf8')]);
    return describe(cert, key, false);
  }
  const certFile = path.join(opts.tlsDir, `${opts.hostname}.crt`);
  const keyFile = path.join(opts.tlsDir, `${opts.hostname}.key`);
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    await mkdir(opts.tlsDir, { recursive: true, mode: 0o700 });
    const notBefore = new Date(Date.now() - 60_000);
    // Loaded only on first start: the X.509 toolkit is large and not needed afterwards.
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: opts.hostname }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: notBefore,
      notAfterDate: new Date(notBefore.getTime() + 825 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: opts.hostname }] },
      ],
    });
    await writeFile(keyFile, pems.private, { mode: 0o600 });
    await writeFile(certFile, pems.cert, { mode: 0o644 });
  }
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return describe(cert, key, true);
}

function describe(cert: string, key: string, selfSigned: boolean): TlsMaterial {
  const x = new X509Certificate(cert);
  const names = (x.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  return { key, cert, selfSigned, names, validTo: new Date(x.validTo) };
}
