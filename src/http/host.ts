// The Host a request names, and the hosted domain behind names like mta-sts.DOMAIN.
import type { FastifyRequest } from 'fastify';
import { formatAddress, normaliseDomain, parseAddress } from '../core/address.ts';

/** Lower-case host name without port or trailing dot; '' when absent or not a name. */
export function requestHost(req: FastifyRequest): string {
  const h = (req.hostname || '').toLowerCase().replace(/\.$/, '');
  return /^[a-z0-9.-]{1,253}$/.test(h) ? h : '';
}

/** "mta-sts.example.org" with prefix "mta-sts." → "example.org"; null when it does not start so. */
export function domainUnder(host: string, prefix: string): string | null {
  if (!host.startsWith(prefix)) return null;
  return normaliseDomain(host.slice(prefix.length));
}

/** A mail address from a query parameter: normalised, or null. */
export function addressParam(v: unknown): { address: string; local: string; domain: string } | null {
  if (typeof v !== 'string' || v.length === 0 || v.length > 320) return null;
  const p = parseAddress(v.trim());
  if (!p.ok) return null;
  if (p.address.domain.startsWith('[')) return null;
  return { address: formatAddress(p.address), local: p.address.local, domain: p.address.domain };
}
