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
import { decodedHeaderText } from './header-text.ts';

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
    headerText: decodedHeaderText(raw, header),
    ...extractText(raw, part),
  };
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
