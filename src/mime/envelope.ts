// ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) from a parsed header: raw unfolded strings, so
// the client decodes RFC 2047 itself, and addresses structured by address.ts.
import type { ImapAddress, ImapEnvelope } from './types.ts';
import type { HeaderBlock } from './header-block.ts';
import { fieldValue } from './header-block.ts';
import { parseAddressList } from './address.ts';

function addresses(raw: Buffer, block: HeaderBlock, name: string): ImapAddress[] | null {
  const v = fieldValue(raw, block, name);
  if (v === null || v === '') return null;
  const list = parseAddressList(v);
  return list.length === 0 ? null : list;
}

/** The string fields are NIL only when absent: a present, empty one is "" (RFC 9051 §7.5.2
 *  gives NIL to what the header does not have; Dovecot sends "" too). */
export function buildEnvelope(raw: Buffer, block: HeaderBlock): ImapEnvelope {
  const from = addresses(raw, block, 'from');
  return {
    date: fieldValue(raw, block, 'date'),
    subject: fieldValue(raw, block, 'subject'),
    from,
    // "If the Sender or Reply-To lines are absent in the [RFC-2822] header, or are present but
    // empty, the server sets the corresponding member of the envelope to be the same value as
    // the from member" (RFC 3501 §7.4.2)
    sender: addresses(raw, block, 'sender') ?? from,
    replyTo: addresses(raw, block, 'reply-to') ?? from,
    to: addresses(raw, block, 'to'),
    cc: addresses(raw, block, 'cc'),
    bcc: addresses(raw, block, 'bcc'),
    inReplyTo: fieldValue(raw, block, 'in-reply-to'),
    messageId: fieldValue(raw, block, 'message-id'),
  };
}

/** The msg-id without angle brackets (RFC 5322 §3.6.4), or the trimmed text when it has none. */
export function bareMessageId(v: string | null): string {
  if (v === null) return '';
  const m = /<([^>]*)>/.exec(v);
  return (m === null ? v.replace(/\([^)]*\)/g, '') : m[1]).trim();
}
