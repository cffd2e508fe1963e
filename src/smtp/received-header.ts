// The Received trace header (RFC 5321 §4.4), in the shape Postfix writes so that tools that
// parse trace headers understand ours.
export type ReceivedInfo = {
  helo: string;
  clientHostname: string;
  clientIp: string;
  byHost: string;
  protocol: string;
  id: string;
  tls: { protocol: string; cipher: string } | null;
  /** Named only when the message has exactly one recipient, so Bcc recipients stay private. */
  recipient: string | null;
  date: Date;
};

export function receivedHeader(r: ReceivedInfo): Buffer {
  const from = clean(r.helo) || 'unknown';
  const host = r.clientHostname && r.clientHostname !== `[${r.clientIp}]` ? `${clean(r.clientHostname)} ` : '';
  let h = `Received: from ${from} (${host}[${r.clientIp}])\r\n`;
  if (r.tls) h += `\t(using ${r.tls.protocol} with cipher ${r.tls.cipher})\r\n`;
  h += `\tby ${r.byHost} (Mailhaven) with ${r.protocol} id ${r.id}`;
  if (r.recipient) h += `\r\n\tfor <${clean(r.recipient)}>`;
  h += `;\r\n\t${rfc5322Date(r.date)}\r\n`;
  return Buffer.from(h, 'utf8');
}

/** Client-supplied text must not break the header: no controls, no parentheses games. */
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const clean = (s: string) => s.replace(/[\x00-\x1f\x7f()<>]/g, '').slice(0, 255);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC: "Wed, 25 Nov 2026 01:49:03 +0000". */
export function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
