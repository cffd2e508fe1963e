// MTA-STS (RFC 8461) through mailauth: a destination domain's policy is looked up before
// delivery and kept in memory until it expires (mailauth tells when a cached one is still
// current). In "enforce" mode only MX hosts the policy lists are used, over STARTTLS with a
// certificate valid for the MX name; otherwise delivery fails temporarily (§5). "testing" and
// "none" change nothing but the log.
import { getPolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import type { MTASTSPolicy, MTASTSPolicyResult } from 'mailauth';
import type { Logger } from '../core/logger.ts';
import type { Resolver } from '../dns/resolver.ts';

export type PolicyFetcher = (domain: string, known: MTASTSPolicy | null, opts: { resolver: (name: string, type: string) => Promise<string[][] | string[]>; timeout: number }) => Promise<MTASTSPolicyResult>;

export type StsRule = { enforce: boolean; allows(mxHost: string): boolean; mode: string };

export class MtaSts {
  private readonly resolver: Resolver;
  private readonly fetch: PolicyFetcher;
  private readonly log: Logger;
  private readonly cache = new Map<string, MTASTSPolicy>();

  constructor(resolver: Resolver, log: Logger, fetch: PolicyFetcher = getPolicy as PolicyFetcher) {
    this.resolver = resolver;
    this.log = log;
    this.fetch = fetch;
  }

  /** The rule for a domain; no policy (or one that cannot be had) means no rule. */
  async ruleFor(domain: string): Promise<StsRule | null> {
    let r: MTASTSPolicyResult;
    try {
      r = await this.fetch(domain, this.cache.get(domain) ?? null, { resolver: (n, t) => this.lookup(n, t), timeout: 30_000 });
    } catch (e) {
      // DNS trouble finding the policy: a cached one still applies (§3.3), else none.
      this.log.warn({ event: 'queue.mta_sts', domain, err: (e as Error).message }, 'MTA-STS lookup failed');
      const known = this.cache.get(domain);
      return known ? rule(known) : null;
    }
    if (r.status === 'not_found' || !r.policy || r.policy.mode === 'none') {
      this.cache.delete(domain);
      return null;
    }
    if (r.status === 'errored') this.log.warn({ event: 'queue.mta_sts', domain, err: r.policy.error?.message }, 'MTA-STS policy fetch failed');
    if (r.status !== 'errored' || this.cache.has(domain)) this.cache.set(domain, r.policy);
    return rule(r.policy);
  }

  private async lookup(name: string, type: string): Promise<string[][] | string[]> {
    switch (type) {
      case 'TXT':
        return this.resolver.resolveTxt(name);
      case 'A':
        return this.resolver.resolve4(name);
      case 'AAAA':
        return this.resolver.resolve6(name);
      case 'CNAME':
        return this.resolver.resolveCname(name);
      default:
        throw Object.assign(new Error(`unsupported lookup ${type}`), { code: 'ENOTIMP' });
    }
  }
}

function rule(p: MTASTSPolicy): StsRule | null {
  if (p.mode === 'none') return null;
  return { enforce: p.mode === 'enforce', mode: p.mode, allows: (host) => validateMx(host, p).valid };
}
