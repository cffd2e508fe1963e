// This server's public addresses: from [network] in the config, or the machine's interfaces
// when they carry a global address. No outside service is asked (no "what is my IP" call).
import { isIP } from 'node:net';
import os from 'node:os';
import type { Config } from '../config/schema.ts';

export type PublicIps = { ipv4: string | null; ipv6: string | null; source: { ipv4: string; ipv6: string }; problems: string[] };

type Interfaces = ReturnType<typeof os.networkInterfaces>;

export function publicIps(config: Config, interfaces: Interfaces = os.networkInterfaces()): PublicIps {
  const found = Object.values(interfaces).flatMap((list) => list ?? []).filter((i) => !i.internal);
  const v4 = found.filter((i) => i.family === 'IPv4' && isPublicIp(i.address)).map((i) => i.address);
  const v6 = found.filter((i) => i.family === 'IPv6' && isPublicIp(i.address)).map((i) => i.address);
  const problems: string[] = [];
  const { public_ipv4: c4, public_ipv6: c6 } = config.network;
  let ipv4: string | null = c4 && c4 !== 'none' ? c4 : null;
  let ipv6: string | null = c6 && c6 !== 'none' ? c6 : null;
  const source = { ipv4: c4 ? 'config' : 'interfaces', ipv6: c6 ? 'config' : 'interfaces' };
  if (!c4) {
    ipv4 = v4[0] ?? null;
    if (!ipv4) {
      problems.push(
        'cannot discover this server\'s public IPv4 address: the network interfaces carry only private or loopback addresses ' +
          '(the machine is probably behind NAT). Set it in the config: [network] public_ipv4 = "203.0.113.25".',
      );
    } else if (v4.length > 1) {
      problems.push(`several public IPv4 addresses on this machine (${v4.join(', ')}); using ${ipv4}. Set [network] public_ipv4 to the one mail leaves from.`);
    }
  }
  if (!c6) ipv6 = v6[0] ?? null;
  return { ipv4, ipv6, source, problems };
}

/** False for loopback, private (RFC 1918, ULA), shared (CGNAT), link-local and documentation ranges. */
export function isPublicIp(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const [a, b, c] = ip.split('.').map(Number);
    if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
    if (a === 100 && b >= 64 && b < 128) return false; // RFC 6598 shared address space
    if (a === 169 && b === 254) return false;
    if (a === 172 && b >= 16 && b < 32) return false;
    if (a === 192 && b === 168) return false;
    if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
    if (a === 198 && (b === 18 || b === 19)) return false; // RFC 2544 benchmarking
    if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return false; // RFC 5737
    return true;
  }
  if (family === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::1' || lower === '::') return false;
    if (lower.startsWith('::ffff:')) return isPublicIp(lower.slice(7));
    const first = parseInt(lower.split(':')[0] || '0', 16);
    if ((first & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
    if ((first & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
    if (lower.startsWith('2001:db8:') || lower.startsWith('2001:0db8:')) return false; // RFC 3849
    return (first & 0xe000) === 0x2000; // 2000::/3 global unicast
  }
  return false;
}
