// What a mail client needs to know: host name, ports, TLS modes, user name format. One source
// for autoconfig, autodiscover, .mobileconfig, SRV records and `mailhaven client-settings`.
import type { Config } from '../config/schema.ts';

export type Security = 'tls' | 'starttls';
export type Endpoint = { protocol: 'imap' | 'pop3' | 'smtp'; port: number; security: Security };

type ListenerLike = { enabled?: boolean; port?: number };

/**
 * The client-facing endpoints, preferred first: implicit TLS before STARTTLS (RFC 8314 §3).
 * A listener on port 0 (tests) is reported with the port it really got when `actual` names it.
 */
export function clientEndpoints(config: Config, actual: Partial<Record<string, number>> = {}): Endpoint[] {
  const pick = (name: string, section: ListenerLike, protocol: Endpoint['protocol'], security: Security): Endpoint[] =>
    section.enabled === false ? [] : [{ protocol, security, port: actual[name] ?? section.port ?? 0 }];
  return [
    ...pick('imaps', config.imaps, 'imap', 'tls'),
    ...pick('imap', config.imap, 'imap', 'starttls'),
    ...pick('pop3s', config.pop3s, 'pop3', 'tls'),
    ...pick('pop3', config.pop3, 'pop3', 'starttls'),
    ...pick('submissions', config.submissions, 'smtp', 'tls'),
    ...pick('submission', config.submission, 'smtp', 'starttls'),
  ];
}

/** The preferred endpoint of a protocol (implicit TLS when offered), or undefined when it is off. */
export function preferred(endpoints: Endpoint[], protocol: Endpoint['protocol']): Endpoint | undefined {
  return endpoints.find((e) => e.protocol === protocol);
}

/** The table `mailhaven client-settings` prints. */
export function settingsTable(hostname: string, address: string, endpoints: Endpoint[]): string {
  const label = { imap: 'IMAP (incoming)', pop3: 'POP3 (incoming)', smtp: 'SMTP (outgoing)' };
  const rows = endpoints.map((e) => [label[e.protocol], hostname, String(e.port), e.security === 'tls' ? 'SSL/TLS' : 'STARTTLS', address]);
  const head = ['service', 'server', 'port', 'security', 'user name'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `Password: the account's password (normal password authentication; never sent without TLS).`,
    `Prefer the SSL/TLS ports; STARTTLS ports are there for older clients.`,
  ].join('\n');
}
