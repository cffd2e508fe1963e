// DNS blocklist lookups (RFC 5782): the address reversed under the zone; an A record in
// 127.0.0.0/8 means listed, NXDOMAIN means not. Some zones answer special codes instead of a
// listing when they refuse the querying resolver — those are reported as "could not check".
import { isNotFound, reverseName, type Resolver } from '../dns/resolver.ts';

export type DnsblResult =
  | { zone: string; ip: string; state: 'clean' }
  | { zone: string; ip: string; state: 'listed'; codes: string[]; reason: string; meaning: string; action: string }
  | { zone: string; ip: string; state: 'unusable'; detail: string };

type ZoneInfo = { meaning: (code: string) => string; action: string; refused?: (code: string) => boolean };

const KNOWN: Record<string, ZoneInfo> = {
  'zen.spamhaus.org': {
    meaning: (c) =>
      c === '127.0.0.2' || c === '127.0.0.3'
        ? 'SBL: Spamhaus saw spam from this address or its range'
        : ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'].includes(c)
          ? 'XBL: a compromised machine or open proxy was seen on this address'
          : c === '127.0.0.9'
            ? 'DROP: the whole range is hijacked or run by spammers'
            : c === '127.0.0.10' || c === '127.0.0.11'
              ? 'PBL: the provider marks this range as not meant to send mail directly (dynamic or customer addresses)'
              : 'listed by Spamhaus',
    action: 'Look the address up at https://check.spamhaus.org/, fix the cause it names (for XBL: find the infected or misconfigured host), then request removal there. For a PBL listing of a real mail server, ask the provider for a static address with reverse DNS, or remove it from the PBL on that page.',
    // 127.255.255.x: the query came through a public or unregistered resolver, not a listing.
    refused: (c) => c.startsWith('127.255.255.'),
  },
  'bl.spamcop.net': {
    meaning: () => 'SpamCop users reported spam coming from this address',
    action: 'Find what sent the spam (a compromised account, a form that mails arbitrary addresses); the listing expires by itself 24 h after reports stop. Details: https://www.spamcop.net/bl.shtml',
  },
  'b.barracudacentral.org': {
    meaning: () => 'Barracuda\'s reputation system saw spam or bad behaviour from this address',
    action: 'Request removal at https://www.barracudacentral.org/rbl/removal-request after fixing the cause (Barracuda answers only resolvers registered with it).',
  },
  'psbl.surriel.com': {
    meaning: () => 'the address sent mail to PSBL\'s spam traps',
    action: 'Remove it yourself at https://psbl.org/ after stopping the spam.',
  },
};

/** The name to query: IPv4 octets or IPv6 nibbles reversed, under the zone (RFC 5782 §2.1, §2.4). */
export function dnsblName(ip: string, zone: string): string {
  return reverseName(ip).replace(/\.(in-addr|ip6)\.arpa$/, '') + '.' + zone;
}

export async function lookupDnsbl(resolver: Resolver, ip: string, zone: string): Promise<DnsblResult> {
  const name = dnsblName(ip, zone);
  let codes: string[];
  try {
    codes = await resolver.resolve4(name);
  } catch (e) {
    if (isNotFound(e)) return { zone, ip, state: 'clean' };
    return { zone, ip, state: 'unusable', detail: `lookup of ${name} failed (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  if (codes.length === 0) return { zone, ip, state: 'clean' };
  const info = KNOWN[zone.toLowerCase()];
  if (codes.some((c) => !c.startsWith('127.') || info?.refused?.(c))) {
    return { zone, ip, state: 'unusable', detail: `${zone} answered ${codes.join(', ')}, which is an error code, not a listing: it refuses queries from this resolver (public resolvers are blocked by most lists; use your own, e.g. unbound, in [dns] servers)` };
  }
  const reason = await resolver.resolveTxt(name).then((t) => t.map((r) => r.join('')).join(' '), () => '');
  return {
    zone,
    ip,
    state: 'listed',
    codes,
    reason,
    meaning: info ? [...new Set(codes.map(info.meaning))].join('; ') : `listed by ${zone}`,
    action: info?.action ?? `Look up the address on ${zone}'s web site, fix the cause and request removal; mail to sites using this list is rejected or marked as spam until then.`,
  };
}
