// MTA-STS (RFC 8461) through mailauth: a destination domain's policy is looked up before
// delivery and kept in memory until it expires (mailauth tells when a cached one is still
// current). In "enforce" mode only MX hosts the policy lists are used, over STARTTLS with a
// certificate valid for the MX name; otherwise delivery fails temporarily (§5). "testing" and
// "none" change nothing but the log.
import { getPolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import type { DNSResolver, MTASTSPolicy, MTASTSPolicyResult } from 'mailauth';
import type { Logger } from '../core/logger.ts';
import { mailauthResolver } from '../dns/mailauth-resolver.ts';
import type { Resolver } from '../dns/resolver.ts';

export type PolicyFetcher = (domain: string, known: MTASTSPolicy | null, opts: { resolver: DNSResolver; timeout: number }) => Promise<MTASTSPolicyResult>;

export type StsRule = { enforce: boolean; allows(mxHost: string): boolean; mode: string };

export class MtaSts {
  private readonly resolver: DNSResolver;
  private readonly fetch: PolicyFetcher;
  private readonly log: Logger;
  private readonly cache = new Map<string, MTASTSPolicy>();

  constructor(resolver: Resolver, log: Logger, fetch: PolicyFetcher = getPolicy as PolicyFetcher) {
    this.resolver = mailauthResolver(resolver);
    this.log = log;
    this.fetch = fetch;
  }

  /** The rule for a domain; no policy (or one that cannot be had) means no rule. */
  async ruleFor(domain: string): Promise<StsRule | null> {
    let r: MTASTSPolicyResult;
    try {
      r = await this.fetch(domain, this.cache.get(domain) ?? null, { resolver: this.resolver, timeout: 30_000 });
    } catch (e) {
      // DNS trouble finding the policy: a cached one still applies (§3.3), else none.
      this.log.warn({ event: 'queue.mta_sts', domain, err: (e as Error).message }, 'MTA-STS lookup failed');
      const known = this.cache.get(domain);
      return known ? rule(known) : null;
    }
    if (r.status === 'not_found' || !r.policy) {
      this.cache.delete(domain);
      return null;
    }
    if (r.status === 'errored') this.log.warn({ event: 'queue.mta_sts', domain, err: r.policy.error?.message }, 'MTA-STS policy fetch failed');
    // Keep whatever carries an expiry, mailauth's "none, retry later" placeholder included:
    // handed back as the known policy, it stops a refetch of a failing policy host until then.
    if (r.policy.expires) this.cache.set(domain, r.policy);
    else this.cache.delete(domain);
    return rule(r.policy);
  }
}

function rule(p: MTASTSPolicy): StsRule | null {
  if (p.mode === 'none') return null;
  return { enforce: p.mode === 'enforce', mode: p.mode, allows: (host) => validateMx(host, p).valid };
}
