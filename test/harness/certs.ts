// Test certificates made with the openssl command: a throwaway CA and leaf certificates for
// chosen names, EC P-256, valid for a day.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export type TestCa = { cert: string; key: string };
export type TestLeaf = { cert: string; key: string; fingerprint: string };

const openssl = (args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function makeCa(dir: string, name = 'Mailhaven Test CA'): TestCa {
  const ca = { cert: path.join(dir, 'ca.pem'), key: path.join(dir, 'ca.key') };
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-subj', `/CN=${name}`, '-days', '1']);
  return ca;
}

/** A leaf certificate for `names` (DNS names; "127.0.0.1" becomes an IP SAN) signed by the CA, written to DIR/BASE.crt/.key. */
export function makeLeaf(ca: TestCa, dir: string, base: string, names: string[]): TestLeaf {
  const leaf = { cert: path.join(dir, `${base}.crt`), key: path.join(dir, `${base}.key`) };
  const csr = path.join(dir, `${base}.csr`);
  const ext = path.join(dir, `${base}.ext`);
  writeFileSync(ext, `subjectAltName=${names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', leaf.key, '-out', csr, '-subj', `/CN=${names[0]}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`, '-days', '1', '-extfile', ext, '-out', leaf.cert]);
  return { ...leaf, fingerprint: fingerprintOf(leaf.cert) };
}

export function fingerprintOf(certFile: string): string {
  return openssl(['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']).trim().split('=')[1];
}
