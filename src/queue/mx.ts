// Where mail for a domain goes (RFC 5321 §5.1): its MX hosts by preference, equal preferences
// in random order; no MX record → the domain itself (implicit MX); a null MX (RFC 7505) or a
// domain that does not exist → permanent failure; any other DNS failure → try again later.
import { isNotFound, isNxDomain, type Resolver } from '../dns/resolver.ts';

export type MxHost = { name: string; priority: number };

export type MxAnswer =
  | { kind: 'hosts'; hosts: MxHost[] }
  | { kind: 'permanent'; status: string; text: string }
  | { kind: 'temporary'; text: string };

export async function lookupMx(resolver: Resolver, domain: string): Promise<MxAnswer> {
  let records;
  try {
    records = await resolver.resolveMx(domain);
  } catch (e) {
    if (isNxDomain(e)) return { kind: 'permanent', status: '5.1.2', text: `Host or domain name not found: ${domain}` };
    if (isNotFound(e)) return implicit(resolver, domain);
    return { kind: 'temporary', text: `DNS lookup of MX ${domain} failed: ${(e as Error).message}` };
  }
  if (records.length === 0) return implicit(resolver, domain);
  // RFC 7505 §3: one MX with an empty exchange ("." in the zone) means no mail at all.
  if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
    return { kind: 'permanent', status: '5.1.10', text: `Domain ${domain} accepts no mail (null MX, RFC 7505)` };
  }
  const shuffled = records.map((r) => ({ name: r.exchange.replace(/\.$/, '').toLowerCase(), priority: r.priority, k: Math.random() }));
  shuffled.sort((a, b) => a.priority - b.priority || a.k - b.k);
  return { kind: 'hosts', hosts: shuffled.map(({ name, priority }) => ({ name, priority })) };
}

/** RFC 5321 §5.1: without MX records the domain is its own mail host, if it has an address. */
async function implicit(resolver: Resolver, domain: string): Promise<MxAnswer> {
  const a = await addressesOf(resolver, domain);
  if (a.kind === 'temporary') return a;
  if (a.addresses.length === 0) return { kind: 'permanent', status: '5.1.2', text: `Domain ${domain} has neither MX nor address records` };
  return { kind: 'hosts', hosts: [{ name: domain, priority: 0 }] };
}

export type AddressAnswer = { kind: 'addresses'; addresses: string[] } | { kind: 'temporary'; text: string };

/** IPv6 and IPv4 addresses of a host (IPv6 first; a network without it fails fast and falls back). */
export async function addressesOf(resolver: Resolver, host: string): Promise<AddressAnswer> {
  const [v6, v4] = await Promise.allSettled([resolver.resolve6(host), resolver.resolve4(host)]);
  const out: string[] = [];
  let temp: string | null = null;
  for (const r of [v6, v4]) {
    if (r.status === 'fulfilled') out.push(...r.value);
    else if (!isNotFound(r.reason)) temp = `DNS lookup of ${host} failed: ${(r.reason as Error).message}`;
  }
  if (out.length === 0 && temp) return { kind: 'temporary', text: temp };
  return { kind: 'addresses', addresses: out };
}
