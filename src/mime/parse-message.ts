// parseMessage: everything IMAP needs from a message, computed once at delivery (DESIGN.md,
// "Storage"): ENVELOPE, the MIME tree for BODYSTRUCTURE and BODY[section], and decoded header
// and body text for SEARCH. Synchronous and never throws: a mail server must store whatever
// it accepted, so malformed input yields the structure a tolerant reader would see.
import type { BodyPart, ParsedMessage } from './types.ts';
import { fieldValue } from './header-block.ts';
import { parseTree } from './mime-tree.ts';
import { bareMessageId, buildEnvelope } from './envelope.ts';
import { localDateMs, parseDate } from './date.ts';
import { decodeWords } from './charset.ts';
import { extractText } from './body-text.ts';
import { countLines } from './bytes.ts';
import { decodedHeaderText, MAX_HEADER_TEXT_CHARS } from './header-text.ts';
import { scanHeader, type HeaderBlock } from './header-block.ts';

/** A longer References field keeps its end: the last IDs name the nearest ancestors. */
const MAX_REFERENCES_CHARS = 16_384;

export type { BodyParam, BodyPart, ImapAddress, ImapEnvelope, ParsedMessage } from './types.ts';

/** parseMessage without its safety net, so that tests see a parser bug as a failure. */
export function parseMessageUnguarded(raw: Buffer): ParsedMessage {
  const { part, header } = parseTree(raw);
  const envelope = buildEnvelope(raw, header);
  const decoded = (name: string): string => decodeWords(fieldValue(raw, header, name) ?? '');
  return {
    envelope,
    body: part,
    headerEnd: part.bodyStart,
    date: parseDate(envelope.date),
    dateLocal: localDateMs(envelope.date),
    subject: decodeWords(envelope.subject ?? ''),
    from: decoded('from'),
    to: decoded('to'),
    cc: decoded('cc'),
    bcc: decoded('bcc'),
    messageId: bareMessageId(envelope.messageId),
    references: (fieldValue(raw, header, 'references') ?? '').slice(-MAX_REFERENCES_CHARS),
    headerText: searchHeaderText(raw, header, part),
    ...extractText(raw, part),
  };
}

/**
 * What SEARCH TEXT finds in headers: the message's header, then each MIME part's and each
 * enclosed message's (RFC 9051 §6.4.4: "in the header (including MIME header fields)"), as
 * Dovecot finds a Content-Description or an attached message's Subject. BODY searches none.
 */
function searchHeaderText(raw: Buffer, header: HeaderBlock, root: BodyPart): string {
  let out = decodedHeaderText(raw, header);
  const visit = (p: BodyPart, top: boolean): void => {
    if (out.length >= MAX_HEADER_TEXT_CHARS) return;
    if (!top && p.bodyStart > p.headerStart) {
      const text = decodedHeaderText(raw, scanHeader(raw, p.headerStart, p.bodyStart));
      if (text !== '') out += out === '' ? text : '\n' + text;
    }
    for (const c of p.parts ?? []) visit(c, false);
    if (p.message !== undefined) visit(p.message, false);
  };
  visit(root, true);
  return out.length > MAX_HEADER_TEXT_CHARS ? out.slice(0, MAX_HEADER_TEXT_CHARS) : out;
}

/** Only reached through a bug: the whole file as one text/plain body, so delivery goes on. */
function fallback(raw: Buffer): ParsedMessage {
  const body: BodyPart = {
    type: 'text', subtype: 'plain', params: [], encoding: '7bit', size: raw.length,
    lines: countLines(raw, 0, raw.length), headerStart: 0, bodyStart: 0, bodyEnd: raw.length,
  };
  const envelope = {
    date: null, subject: null, from: null, sender: null, replyTo: null,
    to: null, cc: null, bcc: null, inReplyTo: null, messageId: null,
  };
  return { envelope, body, headerEnd: 0, date: null, dateLocal: null, subject: '', from: '', to: '', cc: '', bcc: '', messageId: '', headerText: '', text: '', textTruncated: false };
}

export function parseMessage(raw: Buffer): ParsedMessage {
  try {
    return parseMessageUnguarded(raw);
  } catch {
    return fallback(raw);
  }
}
