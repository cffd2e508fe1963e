// DKIM keys per domain, on disk under data/dkim/<domain>/ (one module owns that folder):
//   <selector>.pem   the PKCS#8 private key (0600)
//   keys.json        [{ selector, algorithm, created, state }] — state "active" keys sign,
//                    "retired" keys stay published in DNS until removed, so mail signed just
//                    before a rotation still verifies.
// Two keys are active at once, one RSA 2048 and one Ed25519 (RFC 8463 asks for both while
// verifiers catch up); a message carries a signature from each.
import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/write-file-atomic.ts';

export type DkimAlgorithm = 'rsa' | 'ed25519';

export type DkimKeyInfo = {
  selector: string;
  algorithm: DkimAlgorithm;
  /** ISO date-time the key was made. */
  created: string;
  state: 'active' | 'retired';
};

export type DkimKey = DkimKeyInfo & { privateKey: KeyObject };

export class DkimKeyStore {
  private readonly root: string;

  constructor(dkimDir: string) {
    this.root = dkimDir;
  }

  /** Changes whenever the domain's key list does (every write replaces keys.json, so a new
   *  inode); null when the domain has none. One stat, for callers that cache what they read. */
  stamp(domain: string): string | null {
    const st = statSync(this.indexFile(domain), { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : null;
  }

  /** Keys of a domain, newest first. */
  list(domain: string): DkimKeyInfo[] {
    const f = this.indexFile(domain);
    if (!existsSync(f)) return [];
    return (JSON.parse(readFileSync(f, 'utf8')) as DkimKeyInfo[]).slice().sort((a, b) => b.created.localeCompare(a.created));
  }

  /** The active keys with their private halves, for signing. */
  active(domain: string): DkimKey[] {
    return this.list(domain)
      .filter((k) => k.state === 'active')
      .map((k) => ({ ...k, privateKey: createPrivateKey(readFileSync(this.keyFile(domain, k.selector))) }));
  }

  /** Makes the domain's first key pair unless it has keys already. */
  ensure(domain: string, now = new Date()): DkimKeyInfo[] {
    if (this.list(domain).length === 0) this.rotate(domain, now);
    return this.list(domain);
  }

  /** A new RSA and Ed25519 pair becomes active; the previous active keys are retired. */
  rotate(domain: string, now = new Date()): DkimKeyInfo[] {
    const dir = this.domainDir(domain);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys: DkimKeyInfo[] = this.list(domain).map((k) => ({ ...k, state: 'retired' }));
    const stamp = now.toISOString().slice(0, 10).replaceAll('-', '');
    for (const algorithm of ['rsa', 'ed25519'] as const) {
      let selector = `mh${stamp}${algorithm === 'rsa' ? 'r' : 'e'}`;
      for (let n = 2; keys.some((k) => k.selector === selector); n++) selector = `mh${stamp}${algorithm === 'rsa' ? 'r' : 'e'}${n}`;
      const pair = algorithm === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      writeFileAtomic(this.keyFile(domain, selector), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      keys.push({ selector, algorithm, created: now.toISOString(), state: 'active' });
    }
    writeFileAtomic(this.indexFile(domain), JSON.stringify(keys, null, 2) + '\n');
    return this.list(domain);
  }

  /** Stops publishing a retired key (its DNS record may then be removed). */
  remove(domain: string, selector: string): void {
    const keys = this.list(domain);
    const k = keys.find((x) => x.selector === selector);
    if (!k) throw new Error(`no DKIM key ${selector} for ${domain}`);
    if (k.state === 'active') throw new Error(`DKIM key ${selector} is active; rotate first`);
    writeFileAtomic(this.indexFile(domain), JSON.stringify(keys.filter((x) => x !== k), null, 2) + '\n');
    // The private key of a key no one publishes any more is only a liability.
    rmSync(this.keyFile(domain, selector), { force: true });
  }

  /** The TXT record value for <selector>._domainkey.<domain> (RFC 6376 §3.6.1, RFC 8463). */
  dnsRecord(domain: string, selector: string): string {
    const k = this.list(domain).find((x) => x.selector === selector);
    if (!k) throw new Error(`no DKIM key ${selector} for ${domain}`);
    return this.dnsRecordOf(domain, k);
  }

  /** dnsRecord for a key the caller has listed already (keys.json is not read again). */
  dnsRecordOf(domain: string, k: DkimKeyInfo): string {
    const pub = createPublicKey(readFileSync(this.keyFile(domain, k.selector)));
    // RSA: the SubjectPublicKeyInfo DER; Ed25519: the raw 32-byte key (RFC 8463 §4.2).
    const der = pub.export({ type: 'spki', format: 'der' });
    const p = k.algorithm === 'rsa' ? der.toString('base64') : der.subarray(der.length - 32).toString('base64');
    return `v=DKIM1; k=${k.algorithm}; p=${p}`;
  }

  private domainDir(domain: string): string {
    const d = domain.toLowerCase();
    if (!/^[a-z0-9.-]+$/.test(d) || d.includes('..')) throw new Error(`not a domain name: ${domain}`);
    return path.join(this.root, d);
  }
  private indexFile(domain: string): string {
    return path.join(this.domainDir(domain), 'keys.json');
  }
  private keyFile(domain: string, selector: string): string {
    return path.join(this.domainDir(domain), `${selector}.pem`);
  }
}

