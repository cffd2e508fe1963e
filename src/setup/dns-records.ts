// Every DNS record a hosted domain needs, as data (for --json and for `dns check` fixes) and as
// zone-file lines. Names are absolute (trailing dot), so the lines paste into any zone.
import type { Config } from '../config/schema.ts';
import type { DkimKeyStore } from '../dkim/key-store.ts';
import { reverseName } from '../dns/resolver.ts';
import { clientEndpoints } from './client-settings.ts';
import { mtaStsTxt } from './mta-sts.ts';
import type { PublicIps } from './public-ips.ts';

export type RecordType = 'MX' | 'A' | 'AAAA' | 'TXT' | 'CNAME' | 'SRV' | 'PTR';

export type DnsRecord = {
  /** Stable id of what the record is for: "mx", "spf", "dkim:<selector>", "srv:_imaps", … */
  id: string;
  name: string;
  ttl: number;
  type: RecordType;
  value: string;
  purpose: string;
};

/** One hour: short enough to correct a mistake the same day, long enough for caches to work. */
export const RECOMMENDED_TTL = 3600;
/** What to lower TTLs to a day or two before moving a domain to another server. */
export const MIGRATION_TTL = 300;

export type RecordInputs = {
  domain: string;
  config: Config;
  ips: PublicIps;
  dkim: DkimKeyStore;
  strictSpf?: boolean;
};

export const fqdn = (name: string): string => `${name.toLowerCase().replace(/\.$/, '')}.`;

export function reportAddress(config: Config, domain: string, which: 'dmarc' | 'tlsrpt'): string {
  const configured = which === 'dmarc' ? config.dns_records.dmarc_rua : config.dns_records.tlsrpt_rua;
  return configured || `postmaster@${domain}`;
}

export function spfValue(strict = false): string {
  return `v=spf1 mx ${strict ? '-all' : '~all'}`;
}

export function dmarcValue(config: Config, domain: string): string {
  return `v=DMARC1; p=quarantine; rua=mailto:${reportAddress(config, domain, 'dmarc')}`;
}

export function tlsrptValue(config: Config, domain: string): string {
  return `v=TLSRPTv1; rua=mailto:${reportAddress(config, domain, 'tlsrpt')}`;
}

/** Records inside the domain's zone (and the host name's A/AAAA). */
export function domainRecords(inp: RecordInputs): DnsRecord[] {
  const { domain, config, ips } = inp;
  const host = fqdn(config.hostname);
  const d = fqdn(domain);
  const ttl = RECOMMENDED_TTL;
  const out: DnsRecord[] = [];
  const add = (id: string, name: string, type: RecordType, value: string, purpose: string) => out.push({ id, name, ttl, type, value, purpose });

  add('mx', d, 'MX', `10 ${host}`, 'mail for the domain is delivered to this server');
  if (ips.ipv4) add('a', host, 'A', ips.ipv4, 'the mail host name points at this server');
  if (ips.ipv6) add('aaaa', host, 'AAAA', ips.ipv6, 'the mail host name points at this server (IPv6)');
  add('spf', d, 'TXT', spfValue(inp.strictSpf), 'SPF: only the domain\'s MX hosts may send its mail');
  for (const key of inp.dkim.list(domain)) {
    add(`dkim:${key.selector}`, fqdn(`${key.selector}._domainkey.${domain}`), 'TXT', inp.dkim.dnsRecordOf(domain, key), `DKIM public key (${key.algorithm}, ${key.state})`);
  }
  add('dmarc', fqdn(`_dmarc.${domain}`), 'TXT', dmarcValue(config, domain), 'DMARC: unauthenticated mail claiming the domain goes to spam; reports to the rua address');
  if (config.mta_sts.mode !== 'none') {
    add('mta-sts', fqdn(`_mta-sts.${domain}`), 'TXT', mtaStsTxt(config), 'MTA-STS: senders must use TLS to reach the MX (policy served over HTTPS)');
    add('mta-sts-host', fqdn(`mta-sts.${domain}`), 'CNAME', host, 'the host that serves the MTA-STS policy (must be covered by the certificate)');
  }
  add('tlsrpt', fqdn(`_smtp._tls.${domain}`), 'TXT', tlsrptValue(config, domain), 'TLS reporting (RFC 8460): where senders report TLS failures');
  out.push(...discoveryRecords(config, domain));
  return out;
}

/** SRV, autoconfig and autodiscover: how mail clients find their settings (no DKIM key needed). */
export function discoveryRecords(config: Config, domain: string): DnsRecord[] {
  const host = fqdn(config.hostname);
  const cname = (id: string, purpose: string): DnsRecord => ({ id, name: fqdn(`${id}.${domain}`), ttl: RECOMMENDED_TTL, type: 'CNAME', value: host, purpose });
  return [
    ...srvRecords(config, domain),
    cname('autoconfig', 'Thunderbird (and others) find the settings here'),
    cname('autodiscover', 'Outlook finds the settings here'),
  ];
}

/** RFC 6186 / RFC 8314 §5.1: implicit TLS preferred (lower priority), IMAP before POP3; "." = not offered. */
function srvRecords(config: Config, domain: string): DnsRecord[] {
  const endpoints = clientEndpoints(config);
  const host = fqdn(config.hostname);
  const services: { service: string; protocol: 'imap' | 'pop3' | 'smtp'; security: 'tls' | 'starttls'; priority: number }[] = [
    { service: '_submissions', protocol: 'smtp', security: 'tls', priority: 0 },
    { service: '_submission', protocol: 'smtp', security: 'starttls', priority: 5 },
    { service: '_imaps', protocol: 'imap', security: 'tls', priority: 0 },
    { service: '_imap', protocol: 'imap', security: 'starttls', priority: 5 },
    { service: '_pop3s', protocol: 'pop3', security: 'tls', priority: 10 },
    { service: '_pop3', protocol: 'pop3', security: 'starttls', priority: 15 },
  ];
  return services.map((s) => {
    const e = endpoints.find((x) => x.protocol === s.protocol && x.security === s.security);
    return {
      id: `srv:${s.service}`,
      name: fqdn(`${s.service}._tcp.${domain}`),
      ttl: RECOMMENDED_TTL,
      type: 'SRV' as const,
      value: e ? `${s.priority} 1 ${e.port} ${host}` : '0 0 0 .',
      purpose: e ? `client discovery: ${s.protocol.toUpperCase()} with ${s.security === 'tls' ? 'implicit TLS' : 'STARTTLS'}` : `client discovery: ${s.service.slice(1)} is not offered`,
    };
  });
}

/** Reverse DNS the owner of each address (the hosting provider) must set. */
export function ptrRecords(config: Config, ips: PublicIps): DnsRecord[] {
  return [ips.ipv4, ips.ipv6]
    .filter((ip): ip is string => !!ip)
    .map((ip) => ({ id: `ptr:${ip}`, name: fqdn(reverseName(ip)), ttl: RECOMMENDED_TTL, type: 'PTR' as const, value: fqdn(config.hostname), purpose: `reverse DNS of ${ip}` }));
}

/** A zone-file line; TXT values split into quoted 255-octet strings (RFC 1035 §3.3.14). */
/** One record as a compact zone-file line, for the fix a check prints. */
export function recordLine(name: string, type: DnsRecord['type'], value: string, ttl = RECOMMENDED_TTL): string {
  return zoneLine({ id: '', name: fqdn(name), ttl, type, value, purpose: '' }, true);
}

export function zoneLine(r: DnsRecord, compact = false): string {
  const value = r.type === 'TXT' ? txtStrings(r.value) : r.value;
  if (compact) return `${r.name} ${r.ttl} IN ${r.type} ${value}`;
  return `${r.name.padEnd(40)} ${String(r.ttl).padStart(5)} IN ${r.type.padEnd(5)} ${value}`;
}

function txtStrings(v: string): string {
  const parts: string[] = [];
  for (let i = 0; i < v.length; i += 255) parts.push(v.slice(i, i + 255));
  return (parts.length ? parts : ['']).map((p) => `"${p.replace(/["\\]/g, '\\$&')}"`).join(' ');
}

export function zoneFile(domain: string, config: Config, records: DnsRecord[], ptr: DnsRecord[], problems: string[]): string {
  const lines = [
    `; DNS records for ${domain}, served by ${config.hostname} (Mailhaven).`,
    `; TTL ${RECOMMENDED_TTL} s; lower the existing records to ${MIGRATION_TTL} s 24-48 h before moving a domain here, raise them afterwards.`,
  ];
  for (const p of problems) lines.push(`; NOTE: ${p}`);
  let last = '';
  for (const r of records) {
    const group = r.id.split(':')[0];
    if (group !== last) lines.push(`; ${group === 'srv' ? 'client discovery (RFC 6186, RFC 8314): implicit TLS preferred; target "." = not offered' : r.purpose}`);
    last = group;
    lines.push(zoneLine(r));
  }
  lines.push('; Reverse DNS (PTR): not part of your zone. Ask the provider that owns the address to set:');
  if (ptr.length === 0) lines.push('; (unknown public address: set [network] public_ipv4 in the config)');
  for (const r of ptr) lines.push(`; ${zoneLine(r)}`);
  return lines.join('\n') + '\n';
}
