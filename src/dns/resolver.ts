// DNS lookups for every part that needs them (outbound MX, SPF/DKIM/DMARC, `dns check`).
// The interface is node's own Resolver subset, so mailauth and our code share one object and
// one error convention: ENOTFOUND (NXDOMAIN) and ENODATA (no record of that type) are answers,
// everything else (SERVFAIL, timeouts, refused) is a temporary failure to retry later.
import { promises as dns } from 'node:dns';

export type MxRecord = { exchange: string; priority: number };
export type SrvRecord = { name: string; port: number; priority: number; weight: number };

export interface Resolver {
  resolveMx(name: string): Promise<MxRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** Each record as its character-strings; join them for SPF/DKIM/DMARC. */
  resolveTxt(name: string): Promise<string[][]>;
  /** Reverse lookups go through `reverse()` semantics without /etc/hosts: pass the in-addr.arpa name. */
  resolvePtr(name: string): Promise<string[]>;
  resolveCname(name: string): Promise<string[]>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolveNs(name: string): Promise<string[]>;
}

export type ResolverOptions = {
  /** "host" or "host:port" ("[v6]:port"); empty uses the system's /etc/resolv.conf. */
  servers?: string[];
  timeoutMs?: number;
  tries?: number;
};

export function createResolver(opts: ResolverOptions = {}): Resolver {
  const r = new dns.Resolver({ timeout: opts.timeoutMs ?? 5000, tries: opts.tries ?? 2 });
  if (opts.servers && opts.servers.length > 0) r.setServers(opts.servers);
  return r;
}

/** The name does not exist, or has no record of the asked type: a definite answer. */
export function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

/** NXDOMAIN only: the name itself does not exist. */
export function isNxDomain(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOTFOUND';
}

/** Records of a type, or [] when the name or the type has none; temporary failures still throw. */
export async function orNone<T>(lookup: Promise<T[]>): Promise<T[]> {
  try {
    return await lookup;
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

/** The name to ask PTR records of, for an IPv4 or IPv6 address. */
export function reverseName(ip: string): string {
  if (ip.includes(':')) {
    const groups = expandV6(ip);
    return groups.join('').split('').reverse().join('.') + '.ip6.arpa';
  }
  return ip.split('.').reverse().join('.') + '.in-addr.arpa';
}

function expandV6(ip: string): string[] {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0'));
}
