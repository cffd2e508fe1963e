// Headers the submission server adds, as Postfix does for submission with
// always_add_missing_headers: Date, Message-ID and From when the client left them out
// (RFC 6409 §8.1–8.3 allows the MSA to complete a message), and our Received trace field.
// (Bcc and forged Authentication-Results are removed by submission-server.ts.)
//
// Privacy: the Received field names neither the client's IP address nor its HELO name, only
// that the message was submitted by an authenticated user over TLS ("with ESMTPSA", RFC 3848)
// — the client address of a user's laptop or phone is nobody else's business (the log keeps it).
import { randomUUID } from 'node:crypto';
import { scanHeader } from '../mime/header-block.ts';
import { rfc5322Date } from './received-header.ts';

export type SubmissionTrace = {
  byHost: string;
  /** smtp-server's transmission type: ESMTPSA, ESMTPA … (RFC 3848). */
  protocol: string;
  id: string;
  tls: { protocol: string; cipher: string } | null;
  recipient: string | null;
  date: Date;
};

export function submissionReceived(t: SubmissionTrace): string {
  let h = `Received: by ${t.byHost} (Mailhaven) with ${t.protocol} id ${t.id}`;
  if (t.tls) h += `\r\n\t(using ${t.tls.protocol} with cipher ${t.tls.cipher})`;
  h += '\r\n\t(authenticated sender)';
  // eslint-disable-next-line no-control-regex -- control characters must not reach the header
  if (t.recipient) h += `\r\n\tfor <${t.recipient.replace(/[\x00-\x1f\x7f<>]/g, '')}>`;
  return `${h};\r\n\t${rfc5322Date(t.date)}\r\n`;
}

/** The header fields to add for what is missing. */
export function missingHeaders(message: Buffer, o: { hostname: string; sender: string; date: Date }): string {
  const names = new Set(scanHeader(message, 0, message.length).fields.map((f) => f.name));
  let h = '';
  if (!names.has('from')) h += `From: <${o.sender}>\r\n`;
  if (!names.has('date')) h += `Date: ${rfc5322Date(o.date)}\r\n`;
  if (!names.has('message-id')) h += `Message-ID: <${randomUUID()}@${o.hostname}>\r\n`;
  return h;
}
