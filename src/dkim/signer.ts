// Signs outgoing mail with every active DKIM key of each author (From) domain: one RSA and one
// Ed25519 signature per domain (RFC 8463 §3 suggests both while verifiers catch up),
// relaxed/relaxed (RFC 6376 §3.4: survives the header folding and whitespace changes relays
// make), over mailauth's default header list (From, Subject, Date, Message-ID, To, Cc, MIME
// headers, List-* …). The signatures go on top of the message, as the last header a relay
// adds should be (RFC 6376 §5.6).
import { dkimSign, type DKIMSignOptions } from 'mailauth';
import { parseAddress } from '../core/address.ts';
import type { Logger } from '../core/logger.ts';
import type { DkimKeyStore } from './key-store.ts';

export type SignResult = { message: Buffer; signatures: { domain: string; selector: string }[] };

export class DkimSigner {
  private readonly keys: DkimKeyStore;
  private readonly isHosted: (domain: string) => Promise<boolean>;
  private readonly log: Logger;

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
    const signatureData: { signingDomain: string; selector: string; privateKey: string; algorithm: string }[] = [];
    for (const domain of domains) {
      if (!(await this.isHosted(domain))) continue;
      // A domain added while the server runs, by a tool other than our CLI: make its keys now.
      if (this.keys.list(domain).length === 0) {
        this.keys.ensure(domain);
        this.log.info({ event: 'dkim.keys-made', domain }, 'DKIM keys made for a domain that had none');
      }
      for (const k of this.keys.active(domain)) {
        signatureData.push({
          signingDomain: domain,
          selector: k.selector,
          privateKey: k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
          algorithm: k.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
        });
      }
    }
    if (signatureData.length === 0) return { message, signatures: [] };
    // The typings want a top-level key even with signatureData; mailauth uses signatureData only.
    const r = await dkimSign(message, { canonicalization: 'relaxed/relaxed', signatureData } as unknown as DKIMSignOptions);
    for (const e of r.errors) this.log.error({ event: 'dkim.sign-error', domain: e.signingDomain, selector: e.selector, err: e.err }, 'DKIM signing failed');
    if (!r.signatures) return { message, signatures: [] };
    const signed = signatureData.filter((s) => !r.errors.some((e) => e.selector === s.selector && e.signingDomain === s.signingDomain));
    return {
      message: Buffer.concat([Buffer.from(r.signatures.replace(/\r?\n/g, '\r\n'), 'utf8'), message]),
      signatures: signed.map((s) => ({ domain: s.signingDomain, selector: s.selector })),
    };
  }
}
