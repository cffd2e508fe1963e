// MX, the host name's addresses, reverse DNS and TTLs: does the Internet reach this server?
import { reverseName } from '../../dns/resolver.ts';
import { fqdn, MIGRATION_TTL, RECOMMENDED_TTL, recordLine } from '../dns-records.ts';
import { lookup, sameName } from './lookup.ts';
import type { CheckContext, Finding, HostContext } from './types.ts';

export async function checkMx(ctx: CheckContext): Promise<Finding[]> {
  const { domain } = ctx;
  const host = ctx.config.hostname;
  const want = recordLine(domain, 'MX', `10 ${fqdn(host)}`);
  const r = await lookup('mx', domain, 'MX', ctx.resolver.resolveMx(domain));
  if (!r.ok) return [r.finding];
  if (r.value.length === 0) return [{ check: 'mx', name: domain, status: 'missing', message: `${domain} has no MX record: other servers cannot find where to deliver its mail`, fix: `add: ${want}` }];
  const sorted = r.value.slice().sort((a, b) => a.priority - b.priority);
  const list = sorted.map((m) => `${m.priority} ${m.exchange}`).join(', ');
  const ours = sorted.filter((m) => sameName(m.exchange, host));
  if (ours.length === 0) {
    return [{ check: 'mx', name: domain, status: 'wrong', message: `MX of ${domain} is ${list}, not this server (${host}): mail goes elsewhere`, fix: `replace the MX record(s) with: ${want}` }];
  }
  const before = sorted.filter((m) => m.priority < ours[0].priority && !sameName(m.exchange, host));
  if (before.length > 0) {
    return [{ check: 'mx', name: domain, status: 'warning', message: `MX of ${domain} is ${list}: ${before.map((m) => m.exchange).join(', ')} is preferred over this server`, fix: `if this server should receive the mail, remove the other MX records or give them a higher number than ours: ${want}` }];
  }
  return [{ check: 'mx', name: domain, status: 'ok', message: `MX of ${domain} is ${list}` }];
}

export async function checkAddresses(ctx: HostContext): Promise<Finding[]> {
  const host = ctx.config.hostname;
  const out: Finding[] = [];
  for (const [family, type, ip] of [['IPv4', 'A', ctx.ips.ipv4], ['IPv6', 'AAAA', ctx.ips.ipv6]] as const) {
    const r = await lookup(type.toLowerCase(), host, type, type === 'A' ? ctx.resolver.resolve4(host) : ctx.resolver.resolve6(host));
    if (!r.ok) {
      out.push(r.finding);
      continue;
    }
    const check = type.toLowerCase();
    if (!ip) {
      if (type === 'A' && ctx.config.network.public_ipv4 !== 'none') {
        out.push({ check, name: host, status: 'error', message: `this server's public IPv4 address is unknown, so ${host} ${type} cannot be checked${r.value.length ? ` (it is ${r.value.join(', ')})` : ''}`, fix: 'set [network] public_ipv4 in the config' });
      } else if (r.value.length > 0) {
        out.push({ check, name: host, status: 'warning', message: `${host} has ${type} ${r.value.join(', ')} but this server has no known public ${family} address: senders over ${family} may fail to connect`, fix: `remove the ${type} record of ${host}, or set [network] public_${family.toLowerCase()} if the address is this server's` });
      }
      continue;
    }
    const want = recordLine(host, type, ip);
    if (r.value.length === 0) out.push({ check, name: host, status: 'missing', message: `${host} has no ${type} record`, fix: `add: ${want}` });
    else if (!r.value.includes(ip)) out.push({ check, name: host, status: 'wrong', message: `${host} ${type} is ${r.value.join(', ')}, not this server's ${family} address ${ip}`, fix: `replace the ${type} record with: ${want}` });
    else if (r.value.length > 1) out.push({ check, name: host, status: 'warning', message: `${host} ${type} is ${r.value.join(', ')}; only ${ip} is this server`, fix: `remove the other addresses unless they are this server too: ${want}` });
    else out.push({ check, name: host, status: 'ok', message: `${host} ${type} is ${ip}` });
  }
  return out;
}

/** Forward-confirmed reverse DNS: the PTR of each address names the host the SMTP banner and EHLO use. */
export async function checkPtr(ctx: HostContext): Promise<Finding[]> {
  const host = ctx.config.hostname;
  const out: Finding[] = [];
  for (const ip of [ctx.ips.ipv4, ctx.ips.ipv6]) {
    if (!ip) continue;
    const name = reverseName(ip);
    const ask = `ask the provider that owns ${ip} (your hosting company; usually a "reverse DNS" field in its control panel) to set: ${recordLine(name, 'PTR', fqdn(host))}`;
    const r = await lookup('ptr', ip, 'PTR', ctx.resolver.resolvePtr(name));
    if (!r.ok) out.push(r.finding);
    else if (r.value.length === 0) out.push({ check: 'ptr', name: ip, status: 'missing', message: `${ip} has no reverse DNS: many receivers reject or junk mail from it`, fix: ask });
    else if (!r.value.some((n) => sameName(n, host))) {
      out.push({ check: 'ptr', name: ip, status: 'wrong', message: `reverse DNS of ${ip} is ${r.value.join(', ')}, but the SMTP banner and EHLO say ${host}: receivers reject this ("reverse DNS does not match SMTP banner")`, fix: `${ask} — or set hostname = "${r.value[0].replace(/\.$/, '')}" in the config if that is the name you want` });
    } else out.push({ check: 'ptr', name: ip, status: 'ok', message: `reverse DNS of ${ip} is ${host}, matching the SMTP banner` });
  }
  return out;
}

/** Long TTLs are fine in steady state but make a move to another server slow. */
export async function checkTtls(ctx: CheckContext): Promise<Finding[]> {
  if (!ctx.ttl) return [];
  const probes: [string, 'MX' | 'A' | 'TXT'][] = [[ctx.domain, 'MX'], [ctx.config.hostname, 'A'], [ctx.domain, 'TXT']];
  const found = await Promise.all(probes.map(async ([name, type]) => ({ name, type, ttl: await ctx.ttl!(name, type).catch(() => undefined) })));
  const long = found.filter((f) => f.ttl !== undefined && f.ttl > RECOMMENDED_TTL);
  const seen = found.filter((f) => f.ttl !== undefined).map((f) => `${f.type} ${f.name} ${f.ttl} s`);
  if (seen.length === 0) return [];
  if (long.length === 0) return [{ check: 'ttl', name: ctx.domain, status: 'ok', message: `TTLs: ${seen.join(', ')}` }];
  return [{
    check: 'ttl',
    name: ctx.domain,
    status: 'info',
    message: `long TTLs: ${long.map((f) => `${f.type} ${f.name} ${f.ttl} s`).join(', ')}; fine once settled, but a change takes that long to reach everyone`,
    fix: `before moving this domain to another server (or changing addresses), lower these TTLs to ${MIGRATION_TTL} s 24-48 h ahead, make the change, then raise them back to ${RECOMMENDED_TTL} s`,
  }];
}
