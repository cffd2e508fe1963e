// Signs outgoing mail with every active DKIM key of each author (From) domain: one RSA and one
// Ed25519 signature per domain (RFC 8463 §3 suggests both while verifiers catch up),
// relaxed/relaxed (RFC 6376 §3.4: survives the header folding and whitespace changes relays
// make), oversigning the fields readers rely on (dkim-sign.ts). The signatures go on top of
// the message, as the last header a relay adds should be (RFC 6376 §5.6).
//
// Every signature is checked with mailauth's verifier against the key's own DNS record before
// the message leaves (strict mode, a fraction of a millisecond per signature); should ours
// ever fail, the message is signed with mailauth's dkimSign instead (no oversigning) and the
// disagreement is logged.
import { dkimSign, dkimVerify, type DKIMSignOptions } from 'mailauth';
import { parseAddress } from '../core/address.ts';
import type { Logger } from '../core/logger.ts';
import { dkimSignatures, type SignKey } from './dkim-sign.ts';
import type { DkimKeyStore } from './key-store.ts';

export type SignResult = { message: Buffer; signatures: { domain: string; selector: string }[] };

type Loaded = { stamp: string; keys: SignKey[]; records: Map<string, string> };

export class DkimSigner {
  private readonly keys: DkimKeyStore;
  private readonly isHosted: (domain: string) => Promise<boolean>;
  private readonly log: Logger;
  private readonly cache = new Map<string, Loaded>();

  constructor(keys: DkimKeyStore, isHosted: (domain: string) => Promise<boolean>, log: Logger) {
    this.keys = keys;
    this.isHosted = isHosted;
    this.log = log;
  }

  /** `authors`: the From addresses (already checked to belong to the sender). */
  async sign(message: Buffer, authors: string[]): Promise<SignResult> {
    const domains = new Set<string>();
    for (const a of authors) {
      const p = parseAddress(a);
      if (p.ok) domains.add(p.address.domain);
    }
    const keys: SignKey[] = [];
    const records = new Map<string, string>();
    for (const domain of domains) {
      if (!(await this.isHosted(domain))) continue;
      const loaded = this.load(domain);
      keys.push(...loaded.keys);
      for (const [name, record] of loaded.records) records.set(name, record);
    }
    if (keys.length === 0) return { message, signatures: [] };
    const signatures = keys.map((k) => ({ domain: k.domain, selector: k.selector }));
    const ours = Buffer.concat([Buffer.from(dkimSignatures(message, keys), 'latin1'), message]);
    if (await this.verifies(ours, records, keys.length)) return { message: ours, signatures };
    this.log.error({ event: 'dkim.self-check-failed', domains: [...domains] }, 'own DKIM signature did not verify; signing with mailauth instead');
    return this.signWithMailauth(message, keys);
  }

  /** The domain's active keys, parsed once and again only when keys.json changes (rotation). */
  private load(domain: string): Loaded {
    let stamp = this.keys.stamp(domain);
    if (stamp === null) {
      // A domain added while the server runs, by a tool other than our CLI: make its keys now.
      this.keys.ensure(domain);
      this.log.info({ event: 'dkim.keys-made', domain }, 'DKIM keys made for a domain that had none');
      stamp = this.keys.stamp(domain) ?? '';
    }
    const cached = this.cache.get(domain);
    if (cached && cached.stamp === stamp) return cached;
    const keys: SignKey[] = [];
    const records = new Map<string, string>();
    for (const k of this.keys.active(domain)) {
      keys.push({ domain, selector: k.selector, algorithm: k.algorithm, privateKey: k.privateKey });
      records.set(`${k.selector}._domainkey.${domain}`, this.keys.dnsRecord(domain, k.selector));
    }
    const loaded = { stamp, keys, records };
    this.cache.set(domain, loaded);
    return loaded;
  }

  private async verifies(message: Buffer, records: Map<string, string>, expected: number): Promise<boolean> {
    const resolver = async (name: string) => {
      const r = records.get(name.toLowerCase());
      if (r === undefined) throw Object.assign(new Error(`no record ${name}`), { code: 'ENOTFOUND' });
      return [[r]];
    };
    try {
      const r = await dkimVerify(message, { resolver, strict: true });
      return r.results.length === expected && r.results.every((x) => x.status.result === 'pass');
    } catch {
      return false;
    }
  }

  private async signWithMailauth(message: Buffer, keys: SignKey[]): Promise<SignResult> {
    const signatureData = keys.map((k) => ({
      signingDomain: k.domain,
      selector: k.selector,
      privateKey: k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      algorithm: k.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
    }));
    // The typings want a top-level key even with signatureData; mailauth uses signatureData only.
    const r = await dkimSign(message, { canonicalization: 'relaxed/relaxed', signatureData } as unknown as DKIMSignOptions);
    for (const e of r.errors) this.log.error({ event: 'dkim.sign-error', domain: e.signingDomain, selector: e.selector, err: e.err }, 'DKIM signing failed');
    if (!r.signatures) return { message, signatures: [] };
    const ok = signatureData.filter((s) => !r.errors.some((e) => e.selector === s.selector && e.signingDomain === s.signingDomain));
    return {
      message: Buffer.concat([Buffer.from(r.signatures, 'utf8'), message]),
      signatures: ok.map((s) => ({ domain: s.signingDomain, selector: s.selector })),
    };
  }
}
