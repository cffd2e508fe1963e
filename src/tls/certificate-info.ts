// What a PEM certificate says about itself: the names it is good for, who issued it, when it
// expires; and whether a private key belongs to it.
import { createPrivateKey, X509Certificate } from 'node:crypto';

export type CertificateInfo = {
  /** DNS names from subjectAltName (lower case; the subject CN only when there is no SAN). */
  names: string[];
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
  fingerprint256: string;
  selfIssued: boolean;
};

/** Parses the first certificate of a chain and checks the key matches it; throws with a clear reason. */
export function inspectCertificate(certPem: string, keyPem: string): CertificateInfo {
  if (!certPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not a PEM certificate (no BEGIN CERTIFICATE line)');
  let x: X509Certificate;
  try {
    x = new X509Certificate(certPem);
  } catch (e) {
    throw new Error(`unreadable certificate: ${(e as Error).message}`, { cause: e });
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw new Error(`unreadable private key: ${(e as Error).message}`, { cause: e });
  }
  if (!x.checkPrivateKey(key)) throw new Error('the private key does not belong to the certificate');
  return describeX509(x);
}

export function describeX509(x: X509Certificate): CertificateInfo {
  const san = (x.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1];
  return {
    names: san.length > 0 ? san : cn ? [cn.toLowerCase()] : [],
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    validFrom: new Date(x.validFrom),
    validTo: new Date(x.validTo),
    fingerprint256: x.fingerprint256,
    selfIssued: x.subject === x.issuer,
  };
}

export const daysLeft = (validTo: Date, now = Date.now()): number => Math.floor((validTo.getTime() - now) / 86_400_000);
