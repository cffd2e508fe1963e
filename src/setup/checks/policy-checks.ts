// MTA-STS, TLS reporting, client discovery records and DNS blocklists.
import { dnsblName, lookupDnsbl } from '../dnsbl.ts';
import { discoveryRecords, fqdn, recordLine, tlsrptValue, zoneLine } from '../dns-records.ts';
import { mtaStsId, mtaStsPolicy, mtaStsTxt } from '../mta-sts.ts';
import { joinTxt, lookup, sameName, tagList } from './lookup.ts';
import type { CheckContext, Finding, HostContext } from './types.ts';

export async function checkMtaSts(ctx: CheckContext): Promise<Finding[]> {
  const { domain, config } = ctx;
  if (config.mta_sts.mode === 'none') return [];
  const name = `_mta-sts.${domain}`;
  const ours = mtaStsId(mtaStsPolicy(config));
  const fix = recordLine(name, 'TXT', mtaStsTxt(config));
  const out: Finding[] = [];
  const r = await lookup('mta-sts', name, 'TXT', ctx.resolver.resolveTxt(name));
  if (!r.ok) out.push(r.finding);
  else {
    const records = joinTxt(r.value).filter((t) => /^v=STSv1\s*(;|$)/.test(t));
    const id = records.length === 1 ? tagList(records[0]).get('id') : undefined;
    if (records.length === 0) out.push({ check: 'mta-sts', name, status: 'missing', message: `${domain} publishes no MTA-STS record: senders may deliver without TLS when an attacker strips STARTTLS`, fix: `add: ${fix}` });
    else if (records.length > 1) out.push({ check: 'mta-sts', name, status: 'wrong', message: `${name} has ${records.length} STSv1 records; senders then ignore MTA-STS (RFC 8461 §3.1)`, fix: `keep one: ${fix}` });
    else if (id !== ours) out.push({ check: 'mta-sts', name, status: 'wrong', message: `MTA-STS id is ${id ?? '(none)'} but the policy this server serves has id ${ours}: senders keep using the policy they cached`, fix: `replace the TXT record with: ${fix}` });
    else out.push({ check: 'mta-sts', name, status: 'ok', message: `MTA-STS id ${ours} matches the served policy (mode ${config.mta_sts.mode})` });
  }
  // The policy host must reach this server's HTTPS listener.
  const host = `mta-sts.${domain}`;
  const a = await lookup('mta-sts', host, 'A', ctx.resolver.resolve4(host));
  if (!a.ok) out.push(a.finding);
  else if (a.value.length === 0) out.push({ check: 'mta-sts', name: host, status: 'missing', message: `${host} does not resolve, so senders cannot fetch the policy`, fix: `add: ${recordLine(host, 'CNAME', fqdn(config.hostname))}` });
  else if (ctx.ips.ipv4 && !a.value.includes(ctx.ips.ipv4)) out.push({ check: 'mta-sts', name: host, status: 'wrong', message: `${host} resolves to ${a.value.join(', ')}, not this server (${ctx.ips.ipv4}), which serves the policy`, fix: `replace its records with: ${recordLine(host, 'CNAME', fqdn(config.hostname))}` });
  return out;
}

export async function checkTlsrpt(ctx: CheckContext): Promise<Finding[]> {
  const name = `_smtp._tls.${ctx.domain}`;
  const r = await lookup('tlsrpt', name, 'TXT', ctx.resolver.resolveTxt(name));
  if (!r.ok) return [r.finding];
  const fix = recordLine(name, 'TXT', tlsrptValue(ctx.config, ctx.domain));
  const records = joinTxt(r.value).filter((t) => /^v=TLSRPTv1\s*(;|$)/.test(t));
  if (records.length === 0) return [{ check: 'tlsrpt', name, status: 'missing', message: `${ctx.domain} has no TLS-RPT record: you will not hear about senders failing to reach you over TLS`, fix: `add: ${fix}` }];
  if (records.length > 1 || !tagList(records[0]).get('rua')) return [{ check: 'tlsrpt', name, status: 'wrong', message: `TLS-RPT record is not valid: ${records.join(' | ')}`, fix: `replace it with: ${fix}` }];
  return [{ check: 'tlsrpt', name, status: 'ok', message: `TLS reports go to ${tagList(records[0]).get('rua')}` }];
}

/** SRV and autoconfig/autodiscover names only help clients: missing ones are warnings. */
export async function checkDiscovery(ctx: CheckContext): Promise<Finding[]> {
  const wanted = discoveryRecords(ctx.config, ctx.domain);
  const missing: string[] = [];
  let failed: Finding | undefined;
  for (const rec of wanted) {
    const name = rec.name.replace(/\.$/, '');
    if (rec.type === 'SRV') {
      const r = await lookup('discovery', name, 'SRV', ctx.resolver.resolveSrv(name));
      if (!r.ok) failed ??= r.finding;
      else if (rec.value.endsWith(' .') ? r.value.some((s) => s.port !== 0) : !r.value.some((s) => sameName(s.name, ctx.config.hostname))) missing.push(zoneLine(rec, true));
    } else {
      const r = await lookup('discovery', name, 'A', ctx.resolver.resolve4(name));
      if (!r.ok) failed ??= r.finding;
      else if (r.value.length === 0 || (ctx.ips.ipv4 && !r.value.includes(ctx.ips.ipv4))) missing.push(zoneLine(rec, true));
    }
  }
  if (failed) return [failed];
  if (missing.length === 0) return [{ check: 'discovery', name: ctx.domain, status: 'ok', message: 'SRV, autoconfig and autodiscover records point at this server' }];
  return [{ check: 'discovery', name: ctx.domain, status: 'warning', message: `${missing.length} client discovery record(s) missing or different: mail clients will ask users for the server settings`, fix: `add:\n${missing.map((m) => `      ${m}`).join('\n')}` }];
}

export async function checkDnsbl(ctx: HostContext): Promise<Finding[]> {
  const ips = [ctx.ips.ipv4, ctx.ips.ipv6].filter((x): x is string => !!x);
  const zones = ctx.config.dns_check.blocklists;
  const results = await Promise.all(ips.flatMap((ip) => zones.map((zone) => lookupDnsbl(ctx.resolver, ip, zone))));
  return results.map((r): Finding => {
    const name = `${r.ip} @ ${r.zone}`;
    if (r.state === 'clean') return { check: 'dnsbl', name, status: 'ok', message: `${r.ip} is not listed on ${r.zone}` };
    if (r.state === 'unusable') return { check: 'dnsbl', name, status: 'warning', message: r.detail, fix: `query ${dnsblName(r.ip, r.zone)} from a resolver of your own, or remove ${r.zone} from [dns_check] blocklists` };
    return { check: 'dnsbl', name, status: 'wrong', message: `${r.ip} is LISTED on ${r.zone} (${r.codes.join(', ')}): ${r.meaning}${r.reason ? `. The list says: ${r.reason}` : ''}`, fix: r.action };
  });
}
