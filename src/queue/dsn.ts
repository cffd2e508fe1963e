// Delivery Status Notifications (RFC 3464) as multipart/report (RFC 6522): a text part for
// people, a message/delivery-status part for programs, then the original message (RET=FULL)
// or its header (RET=HDRS, and for delay and success notices, as Postfix does).
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../smtp/received-header.ts';

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed';

export type DsnRecipient = {
  address: string;
  /** ORCPT as given: "rfc822;user@example.org". */
  orcpt: string | null;
  action: DsnAction;
  /** RFC 3463 status, e.g. "5.1.1". */
  status: string;
  remoteMta: string | null;
  /** The remote reply ("550 5.1.1 no such user") or our own reason. */
  diagnostic: string | null;
  diagnosticType: 'smtp' | 'x-mailhaven';
  lastAttempt: Date | null;
  willRetryUntil: Date | null;
};

export type DsnInput = {
  reportingMta: string;
  /** The message's envelope sender, who gets the report. */
  to: string;
  envid: string | null;
  ret: 'FULL' | 'HDRS' | null;
  arrival: Date;
  original: Buffer;
  recipients: DsnRecipient[];
  queueId: string;
  /** Above this size only the header is returned even for RET=FULL. */
  maxReturnSize: number;
  date?: Date;
};

const SUBJECTS: Record<DsnAction, string> = {
  failed: 'Undelivered Mail Returned to Sender',
  delayed: 'Delayed Mail (still being retried)',
  delivered: 'Successful Mail Delivery Report',
  relayed: 'Mail Delivery Report (relayed to a server that sends no reports)',
};

const INTRO: Record<DsnAction, string> = {
  failed: 'Your message could not be delivered to one or more recipients. It will not be retried.',
  delayed: 'Your message has not been delivered yet to one or more recipients. Delivery is still being retried; you need not send it again.',
  delivered: 'Your message was delivered to the following recipients.',
  relayed: 'Your message was passed on to a server that does not send delivery reports; no further notice will come from it.',
};

/** The enhanced status code in a reply ("550 5.1.1 text" → "5.1.1"), or one from its basic code. */
export function statusOf(code: number | null, reply: string | null, fallback: string): string {
  const m = reply ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply) : null;
  if (m) return m[1];
  if (code && code >= 500) return '5.0.0';
  if (code && code >= 400) return '4.0.0';
  return fallback;
}

/** The message header block (up to the blank line), for text/rfc822-headers. */
export function headerBlock(message: Buffer): Buffer {
  const i = message.indexOf('\r\n\r\n');
  if (i >= 0) return message.subarray(0, i + 2);
  const j = message.indexOf('\n\n');
  return j >= 0 ? message.subarray(0, j + 1) : message;
}

// Text in a header or a delivery-status field: printable ASCII on one line.
const field = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 900);

export function buildDsn(input: DsnInput): Buffer {
  const action = input.recipients[0]?.action ?? 'failed';
  const date = input.date ?? new Date();
  const boundary = `=_report_${randomBytes(12).toString('hex')}`;
  const msgId = `<${input.queueId}.${randomBytes(6).toString('hex')}@${input.reportingMta}>`;
  const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

  const human = [
    `This is the mail system at ${input.reportingMta}.`,
    '',
    INTRO[action],
    '',
    ...input.recipients.flatMap((r) => [`<${field(r.address)}>: ${field(r.diagnostic ?? r.status)}`]),
    '',
  ];

  // RFC 3464 §2.2: per-message fields, then one block per recipient, blank line between.
  const perMessage = [`Reporting-MTA: dns; ${input.reportingMta}`, `X-Mailhaven-Queue-ID: ${input.queueId}`];
  if (input.envid) perMessage.push(`Original-Envelope-Id: ${field(input.envid)}`);
  perMessage.push(`Arrival-Date: ${rfc5322Date(input.arrival)}`);
  const blocks = input.recipients.map((r) => {
    const l = [];
    if (r.orcpt) l.push(`Original-Recipient: ${field(r.orcpt)}`);
    l.push(`Final-Recipient: rfc822; ${field(r.address)}`, `Action: ${r.action}`, `Status: ${r.status}`);
    if (r.remoteMta) l.push(`Remote-MTA: dns; ${field(r.remoteMta)}`);
    if (r.diagnostic) l.push(`Diagnostic-Code: ${r.diagnosticType}; ${field(r.diagnostic)}`);
    if (r.lastAttempt) l.push(`Last-Attempt-Date: ${rfc5322Date(r.lastAttempt)}`);
    if (r.willRetryUntil) l.push(`Will-Retry-Until: ${rfc5322Date(r.willRetryUntil)}`);
    return crlf(l);
  });
  const status = crlf(perMessage) + '\r\n' + blocks.join('\r\n');

  const full = action === 'failed' && input.ret !== 'HDRS' && input.original.length <= input.maxReturnSize;
  const returned = full ? input.original : headerBlock(input.original);

  const head = crlf([
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${field(input.to)}>`,
    `Subject: ${SUBJECTS[action]}`,
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: ${msgId}`,
    // RFC 3834 §5: automatic, so auto-responders stay quiet.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
  ]);
  return Buffer.concat([
    Buffer.from(
      head +
        '\r\n' +
        crlf(['This is a MIME-encapsulated message.', '', `--${boundary}`, 'Content-Description: Notification', 'Content-Type: text/plain; charset=us-ascii', '']) +
        crlf(human) +
        crlf([`--${boundary}`, 'Content-Description: Delivery report', 'Content-Type: message/delivery-status', '']) +
        status +
        '\r\n' +
        crlf([`--${boundary}`, `Content-Description: ${full ? 'Undelivered Message' : 'Message Headers'}`, `Content-Type: ${full ? 'message/rfc822' : 'text/rfc822-headers'}`, '']),
      'utf8',
    ),
    returned,
    Buffer.from(`${returned.subarray(-2).toString() === '\r\n' ? '' : '\r\n'}\r\n--${boundary}--\r\n`, 'utf8'),
  ]);
}
