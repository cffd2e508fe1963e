// A self-signed certificate for the hostname, made on first start and kept in data/tls/, so
// every TLS listener works before the operator brings a real certificate (or ACME gets one).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type Pem = { cert: string; key: string };

export function selfSignedPaths(tlsDir: string, hostname: string): { cert: string; key: string } {
  return { cert: path.join(tlsDir, `${hostname}.crt`), key: path.join(tlsDir, `${hostname}.key`) };
}

/** Reads the self-signed certificate for the hostname, making it first when it is missing. */
export async function ensureSelfSigned(tlsDir: string, hostname: string): Promise<Pem> {
  const files = selfSignedPaths(tlsDir, hostname);
  if (!existsSync(files.cert) || !existsSync(files.key)) {
    await mkdir(tlsDir, { recursive: true, mode: 0o700 });
    const notBefore = new Date(Date.now() - 60_000);
    // Loaded only on first start: the X.509 toolkit is large and not needed afterwards.
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: hostname }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: notBefore,
      notAfterDate: new Date(notBefore.getTime() + 825 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] },
      ],
    });
    await writeFile(files.key, pems.private, { mode: 0o600 });
    await writeFile(files.cert, pems.cert, { mode: 0o644 });
  }
  const [cert, key] = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')]);
  return { cert, key };
}
