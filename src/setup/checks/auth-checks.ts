// SPF, DKIM and DMARC: will receivers believe mail from this server is the domain's?
import { spf } from 'mailauth/lib/spf/index.js';
import { mailauthResolver } from '../../dns/mailauth-resolver.ts';
import { dmarcValue, recordLine, spfValue } from '../dns-records.ts';
import { joinTxt, lookup, tagList } from './lookup.ts';
import type { CheckContext, Finding } from './types.ts';

export async function checkSpf(ctx: CheckContext): Promise<Finding[]> {
  const { domain, config } = ctx;
  const r = await lookup('spf', domain, 'TXT', ctx.resolver.resolveTxt(domain));
  if (!r.ok) return [r.finding];
  const records = joinTxt(r.value).filter((t) => /^v=spf1(\s|$)/i.test(t));
  const suggested = recordLine(domain, 'TXT', spfValue());
  if (records.length === 0) return [{ check: 'spf', name: domain, status: 'missing', message: `${domain} has no SPF record: receivers cannot tell this server may send its mail`, fix: `add: ${suggested}` }];
  if (records.length > 1) return [{ check: 'spf', name: domain, status: 'wrong', message: `${domain} has ${records.length} SPF records, which is an error (RFC 7208 §4.5): ${records.join(' | ')}`, fix: `merge them into one TXT record, e.g.: ${suggested}` }];
  const out: Finding[] = [];
  if (!ctx.ips.ipv4 && !ctx.ips.ipv6) {
    return [{ check: 'spf', name: domain, status: 'warning', message: `SPF record "${records[0]}" found, but this server's public addresses are unknown, so whether it authorises them cannot be checked`, fix: 'set [network] public_ipv4 (and public_ipv6) in the config' }];
  }
  for (const ip of [ctx.ips.ipv4, ctx.ips.ipv6]) {
    if (!ip) continue;
    const res = await spf({ sender: `postmaster@${domain}`, ip, helo: config.hostname, mta: config.hostname, resolver: mailauthResolver(ctx.resolver), maxElapsedTime: 20_000 });
    const result = res.status.result;
    const lookups = res.lookups ? `${res.lookups.count} of ${res.lookups.limit} DNS lookups` : '';
    if (result === 'pass') {
      out.push({ check: 'spf', name: domain, status: 'ok', message: `SPF "${records[0]}" authorises ${ip}${lookups ? ` (${lookups})` : ''}` });
    } else if (result === 'permerror') {
      const tooMany = /too many/i.test(res.status.comment || '');
      out.push({
        check: 'spf',
        name: domain,
        status: 'wrong',
        message: tooMany
          ? `SPF of ${domain} needs more than 10 DNS lookups (include, a, mx, ptr, exists and redirect each count, also inside includes; a loop never ends): receivers treat it as an error (RFC 7208 §4.6.4)`
          : `SPF of ${domain} is broken: ${res.status.comment}`,
        fix: tooMany
          ? `remove includes you no longer use or replace them with ip4:/ip6: ranges; for mail sent only by this server use: ${suggested}`
          : `replace the record with: ${suggested}`,
      });
    } else if (result === 'temperror') {
      out.push({ check: 'spf', name: domain, status: 'error', message: `SPF of ${domain} could not be evaluated: ${res.status.comment}`, fix: 'run the check again; if it persists, check the names the record includes' });
    } else {
      const ipMech = ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`;
      const fixed = records[0].replace(/\s+([-~?+]?all)\b/i, ` ${ipMech} $1`);
      out.push({
        check: 'spf',
        name: domain,
        status: 'wrong',
        message: `SPF "${records[0]}" does not authorise this server's address ${ip} (result: ${result}): receivers ${result === 'fail' ? 'reject' : 'mark as suspicious'} its mail`,
        fix: `add ${ipMech} (or "mx", which covers this server as long as the MX points at it): ${recordLine(domain, 'TXT', fixed === records[0] ? `${records[0]} ${ipMech}` : fixed)}`,
      });
    }
  }
  return out;
}

/** Every key we publish (active and retired) must be in DNS with our public key. */
export async function checkDkim(ctx: CheckContext): Promise<Finding[]> {
  const { domain } = ctx;
  const keys = ctx.dkim.list(domain);
  if (keys.length === 0) {
    return [{ check: 'dkim', name: domain, status: 'missing', message: `${domain} has no DKIM key yet, so its outgoing mail is not signed`, fix: `run: mailhaven dns records ${domain} (it creates the keys and prints their records)` }];
  }
  const out: Finding[] = [];
  for (const k of keys) {
    const name = `${k.selector}._domainkey.${domain}`;
    const expected = ctx.dkim.dnsRecordOf(domain, k);
    const want = tagList(expected).get('p') ?? '';
    const fix = recordLine(name, 'TXT', expected);
    const r = await lookup('dkim', name, 'TXT', ctx.resolver.resolveTxt(name));
    if (!r.ok) {
      out.push(r.finding);
      continue;
    }
    const txts = joinTxt(r.value);
    const published = txts.map((t) => (tagList(t).get('p') ?? '').replace(/\s+/g, ''));
    if (txts.length === 0) out.push({ check: 'dkim', name, status: 'missing', message: `DKIM key ${k.selector} (${k.algorithm}, ${k.state}) is not published: receivers cannot verify signatures made with it`, fix: `add: ${fix}` });
    else if (!published.includes(want)) out.push({ check: 'dkim', name, status: 'wrong', message: `${name} holds a different public key than this server's ${k.algorithm} key ${k.selector}: signatures will fail`, fix: `replace the TXT record with: ${fix}` });
    else out.push({ check: 'dkim', name, status: 'ok', message: `DKIM key ${k.selector} (${k.algorithm}, ${k.state}) is published` });
  }
  return out;
}

export async function checkDmarc(ctx: CheckContext): Promise<Finding[]> {
  const { domain, config } = ctx;
  const name = `_dmarc.${domain}`;
  const fix = recordLine(name, 'TXT', dmarcValue(config, domain));
  const r = await lookup('dmarc', name, 'TXT', ctx.resolver.resolveTxt(name));
  if (!r.ok) return [r.finding];
  const records = joinTxt(r.value).filter((t) => /^v\s*=\s*DMARC1\s*(;|$)/i.test(t));
  if (records.length === 0) return [{ check: 'dmarc', name, status: 'missing', message: `${domain} has no DMARC record: large receivers (Gmail, Yahoo) require one from bulk senders and anyone can spoof the domain more easily`, fix: `add: ${fix}` }];
  if (records.length > 1) return [{ check: 'dmarc', name, status: 'wrong', message: `${name} has ${records.length} DMARC records; receivers then ignore them all (RFC 7489 §6.6.3)`, fix: `keep one: ${fix}` }];
  const tags = tagList(records[0]);
  const p = tags.get('p')?.toLowerCase();
  if (!p || !['none', 'quarantine', 'reject'].includes(p)) {
    return [{ check: 'dmarc', name, status: 'wrong', message: `DMARC record "${records[0]}" has ${p ? `an invalid policy p=${p}` : 'no p= policy'}`, fix: `replace it with: ${fix}` }];
  }
  const rua = tags.get('rua');
  if (rua && !rua.split(',').every((u) => /^mailto:[^@\s]+@[^@\s]+$/i.test(u.trim().replace(/!\d+[kmgt]?$/i, '')))) {
    return [{ check: 'dmarc', name, status: 'wrong', message: `DMARC rua=${rua} is not a list of mailto: addresses`, fix: `replace it with: ${fix}` }];
  }
  if (p === 'none') return [{ check: 'dmarc', name, status: 'warning', message: `DMARC policy is p=none: monitoring only, spoofed mail is still delivered`, fix: `once the reports show only your own servers, change it to: ${fix}` }];
  if (!rua) return [{ check: 'dmarc', name, status: 'warning', message: `DMARC p=${p} without rua=: you get no reports about who sends as ${domain}`, fix: `add a report address: ${fix}` }];
  return [{ check: 'dmarc', name, status: 'ok', message: `DMARC p=${p}, reports to ${rua}` }];
}
