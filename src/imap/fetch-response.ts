// The data of one FETCH response (RFC 9051 §6.4.5, §7.5.2; RFC 3501 §6.4.5, §7.4.2; RFC 3516
// BINARY; RFC 7162 §3.1.4 MODSEQ). Everything but body sections comes from the index; body
// sections are byte ranges of the message file, which starts with the per-recipient header
// lines (Return-Path, Delivered-To) before the original message:
//   BODY[]        = the whole file (RFC822.SIZE is its size)
//   BODY[HEADER]  = file[0, dataOffset + body.bodyStart)      (prefix lines included)
//   BODY[TEXT]    = file[dataOffset + body.bodyStart, end)
//   BODY[1.2…]    = the part's offsets (relative to the original message) + dataOffset
import type { FetchItem, Section } from './ast.ts';
import { ResponseLine } from './response.ts';
import type { BodyPart, ImapEnvelope } from '../mime/types.ts';
import { formatBodyStructure, formatEnvelope } from '../mime/imap-format.ts';
import { partAt, sectionRange } from '../mime/section.ts';
import { transferDecode } from '../mime/transfer-decode.ts';
import { filterHeaderFields } from './fetch/header-fields.ts';

export type FetchRecord = {
  uid: number;
  modSeq: number;
  flags: readonly string[];
  internalDate: Date;
  size: number;
  envelope: ImapEnvelope;
  body: BodyPart;
  dataOffset: number;
  /** Ready wire text of ENVELOPE, BODY, BODYSTRUCTURE (non-UTF-8 form), when the index has it. */
  wire?: { envelope: string; body: string; bodyStructure: string } | null;
  /** RFC 8970 preview, when PREVIEW was asked for (null: none available). */
  preview?: string | null;
  /** RFC 8474 EMAILID; absent: NIL. */
  emailId?: string;
  /** RFC 8514 SAVEDATE; absent: NIL. */
  savedDate?: Date;
};

export type FetchContext = { utf8: boolean; loadContent: () => Promise<Buffer> };

/** BINARY of a part whose Content-Transfer-Encoding we cannot decode: the command fails with
 *  `NO [UNKNOWN-CTE]` (RFC 3516 §4.2). */
export class FetchError extends Error {
  readonly code: 'UNKNOWN-CTE';
  constructor(message: string) {
    super(message);
    this.name = 'FetchError';
    this.code = 'UNKNOWN-CTE';
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE, in UTC. */
export function formatInternalDate(d: Date): string {
  return (
    `"${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000"`
  );
}

/** Encodings BINARY can undo; the identity ones pass through (RFC 3516 §4.2). */
const DECODABLE = new Set(['7bit', '8bit', 'binary', 'base64', 'quoted-printable']);
const IDENTITY = new Set(['7bit', '8bit', 'binary']);

const sectionBody = (item: FetchItem): boolean =>
  item.item === 'BODY[]' || item.item === 'BINARY[]' || item.item === 'BINARY.SIZE' ||
  item.item === 'RFC822' || item.item === 'RFC822.HEADER' || item.item === 'RFC822.TEXT';

/** Does any item need the message file? False when everything comes from the index. */
export function fetchNeedsContent(items: readonly FetchItem[]): boolean {
  return items.some(sectionBody);
}

/** Does the fetch set \Seen (RFC 9051 §6.4.5: BODY[…], BINARY[…], RFC822, RFC822.TEXT)? */
export function fetchSetsSeen(items: readonly FetchItem[]): boolean {
  return items.some((i) =>
    ((i.item === 'BODY[]' || i.item === 'BINARY[]') && !i.peek) || i.item === 'RFC822' || i.item === 'RFC822.TEXT');
}

/** The section-spec as echoed in the response: `1.2.HEADER.FIELDS (SUBJECT FROM)`. */
function sectionName(s: Section, line: ResponseLine): void {
  const parts: string[] = s.part.map(String);
  if (s.text !== undefined) parts.push(s.text);
  line.raw(parts.join('.'));
  if (s.fields !== undefined) {
    line.raw(' (');
    s.fields.forEach((f, i) => {
      if (i > 0) line.sp();
      line.astring(f.toUpperCase());
    });
    line.raw(')');
  }
}

/** `<offset.length>` applied: the substring, empty when it starts past the end (RFC 9051 §6.4.5). */
function applyPartial(data: Buffer, partial: { offset: number; length: number } | undefined): Buffer {
  if (partial === undefined) return data;
  if (partial.offset >= data.length) return data.subarray(0, 0);
  return data.subarray(partial.offset, Math.min(data.length, partial.offset + partial.length));
}

/** The bytes of BODY[section], or null when the section does not exist in this message. */
export function sectionData(rec: FetchRecord, file: Buffer, s: Section): Buffer | null {
  const off = rec.dataOffset;
  const text = s.text;
  if (s.part.length === 0) {
    const headerEnd = Math.min(file.length, off + rec.body.bodyStart);
    if (text === undefined) return file;
    if (text === 'TEXT') return file.subarray(headerEnd);
    if (text === 'HEADER') return file.subarray(0, headerEnd);
    if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
      return filterHeaderFields(file, 0, headerEnd, s.fields ?? [], text === 'HEADER.FIELDS.NOT');
    }
    return null;
  }
  const fields = text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT';
  const range = sectionRange(rec.body, s.part, text === undefined ? '' : fields ? 'HEADER' : text);
  if (range === null) return null;
  const start = Math.min(file.length, range[0] + off);
  const end = Math.min(file.length, range[1] + off);
  if (fields) return filterHeaderFields(file, start, end, s.fields ?? [], text === 'HEADER.FIELDS.NOT');
  return file.subarray(start, end);
}

/** The decoded bytes of BINARY[part] (RFC 3516 §4.2), or null when there is no such part. */
export function binaryData(rec: FetchRecord, file: Buffer, part: readonly number[]): Buffer | null {
  if (part.length === 0) return file;
  const p = partAt(rec.body, part);
  if (p === null) return null;
  const raw = file.subarray(Math.min(file.length, p.bodyStart + rec.dataOffset), Math.min(file.length, p.bodyEnd + rec.dataOffset));
  if (!DECODABLE.has(p.encoding)) throw new FetchError(`Cannot decode Content-Transfer-Encoding ${p.encoding.slice(0, 40)}`);
  return transferDecode(raw, p.encoding);
}

/**
 * Section data: "" when empty (or missing), otherwise a literal; literal8 for NUL in BINARY.
 * A literal may not hold NUL (RFC 9051 §4.3 CHAR8): a stored message with one (SMTP DATA
 * takes any octet) is sent with 0x80 in its place, as Dovecot does; the size stays the same.
 */
function writeData(line: ResponseLine, data: Buffer | null, binary: boolean): void {
  if (data === null || data.length === 0) line.raw('""');
  else if (binary || !data.includes(0)) line.literal(data, binary && data.includes(0));
  else line.literal(withoutNul(data), false);
}

function withoutNul(data: Buffer): Buffer {
  const out = Buffer.from(data);
  for (let i = out.indexOf(0); i !== -1; i = out.indexOf(0, i + 1)) out[i] = 0x80;
  return out;
}

/** Strings from mime/imap-format are UTF-8 text; ResponseLine.raw takes one char per byte. */
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
const rawUtf8 = (s: string): string => (ASCII.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1'));

/**
 * The parenthesised FETCH data for one message, e.g. `(UID 7 FLAGS (\Seen) BODY[] {12}\r\n…)`,
 * as chunks to write after "* <seq> FETCH " (no CRLF at the end). Items come out in the order
 * asked. Throws FetchError for BINARY of an undecodable part.
 */
export async function fetchItems(rec: FetchRecord, items: readonly FetchItem[], ctx: FetchContext): Promise<Buffer[]> {
  let content: Promise<Buffer> | null = null;
  const file = (): Promise<Buffer> => (content ??= ctx.loadContent());
  const line = new ResponseLine({ utf8: ctx.utf8 });
  // The stored wire text is the non-UTF-8 form; a UTF8=ACCEPT session formats afresh.
  const wire = ctx.utf8 ? null : rec.wire;
  line.raw('(');
  let first = true;
  for (const item of items) {
    if (!first) line.sp();
    first = false;
    if (indexItem(line, rec, item, wire, ctx.utf8)) continue;
    switch (item.item) {
      case 'RFC822':
        line.raw('RFC822 ');
        writeData(line, sectionData(rec, await file(), { part: [] }), false);
        break;
      case 'RFC822.HEADER':
        line.raw('RFC822.HEADER ');
        writeData(line, sectionData(rec, await file(), { part: [], text: 'HEADER' }), false);
        break;
      case 'RFC822.TEXT':
        line.raw('RFC822.TEXT ');
        writeData(line, sectionData(rec, await file(), { part: [], text: 'TEXT' }), false);
        break;
      case 'BODY[]': {
        line.raw('BODY[');
        sectionName(item.section, line);
        line.raw(']');
        if (item.partial !== undefined) line.raw(`<${item.partial.offset}>`);
        line.sp();
        const data = sectionData(rec, await file(), item.section);
        writeData(line, data === null ? null : applyPartial(data, item.partial), false);
        break;
      }
      case 'BINARY[]': {
        line.raw(`BINARY[${item.part.join('.')}]`);
        if (item.partial !== undefined) line.raw(`<${item.partial.offset}>`);
        line.sp();
        const data = binaryData(rec, await file(), item.part);
        writeData(line, data === null ? null : applyPartial(data, item.partial), true);
        break;
      }
      case 'BINARY.SIZE': {
        line.raw(`BINARY.SIZE[${item.part.join('.')}] `);
        line.number(await binarySize(rec, item.part, file));
        break;
      }
    }
  }
  line.raw(')');
  return line.take();
}

/**
 * The same as fetchItems as latin1 text (one char a byte), when every item comes from the index
 * and the answer holds no large literal; else null. Saves a Buffer per message: FETCH of
 * (ENVELOPE BODYSTRUCTURE) for 200 messages becomes one string and one write.
 */
export function fetchItemsText(rec: FetchRecord, items: readonly FetchItem[], utf8: boolean): string | null {
  const wire = utf8 ? null : rec.wire;
  let out = '(';
  for (let i = 0; i < items.length; i++) {
    const t = indexItemText(rec, items[i], wire, utf8);
    if (t === null) return null;
    out += i > 0 ? ' ' + t : t;
  }
  return out + ')';
}

/** Writes an item answered from the index alone; false (nothing written) for the others. */
function indexItem(line: ResponseLine, rec: FetchRecord, item: FetchItem, wire: FetchRecord['wire'], utf8: boolean): boolean {
  if (item.item === 'PREVIEW') {
    // RFC 8970 §3: the stored snippet; LAZY changes nothing, it is always at hand.
    line.raw('PREVIEW ').nstring(rec.preview ?? null);
    return true;
  }
  const t = indexItemText(rec, item, wire, utf8);
  if (t === null) return false;
  line.raw(t);
  return true;
}

/** An item answered from the index alone as latin1 text; null for the others (and for a
 *  PREVIEW that needs a large literal). */
function indexItemText(rec: FetchRecord, item: FetchItem, wire: FetchRecord['wire'], utf8: boolean): string | null {
  switch (item.item) {
    case 'UID':
      return 'UID ' + rec.uid;
    case 'FLAGS':
      return 'FLAGS (' + rec.flags.join(' ') + ')';
    case 'INTERNALDATE':
      return 'INTERNALDATE ' + formatInternalDate(rec.internalDate);
    case 'SAVEDATE': // RFC 8514 §3
      return 'SAVEDATE ' + (rec.savedDate === undefined ? 'NIL' : formatInternalDate(rec.savedDate));
    case 'RFC822.SIZE':
      return 'RFC822.SIZE ' + rec.size;
    case 'MODSEQ':
      return `MODSEQ (${rec.modSeq})`;
    case 'ENVELOPE':
      return 'ENVELOPE ' + rawUtf8(wire?.envelope ?? formatEnvelope(rec.envelope, utf8));
    case 'BODY':
      return 'BODY ' + rawUtf8(wire?.body ?? formatBodyStructure(rec.body, false, utf8));
    case 'BODYSTRUCTURE':
      return 'BODYSTRUCTURE ' + rawUtf8(wire?.bodyStructure ?? formatBodyStructure(rec.body, true, utf8));
    case 'PREVIEW':
      return new ResponseLine({ utf8 }).raw('PREVIEW ').nstring(rec.preview ?? null).takeText();
    case 'EMAILID': // RFC 8474 §5.3
      return rec.emailId === undefined ? 'EMAILID NIL' : `EMAILID (${rec.emailId})`;
    case 'THREADID': // RFC 8474 §5.2: no threading, so NIL (and SEARCH THREADID matches nothing)
      return 'THREADID NIL';
    default:
      return null;
  }
}

/** The decoded size; identity encodings need no file read. */
async function binarySize(rec: FetchRecord, part: readonly number[], file: () => Promise<Buffer>): Promise<number> {
  if (part.length === 0) return rec.size;
  const p = partAt(rec.body, part);
  if (p === null) return 0;
  if (IDENTITY.has(p.encoding)) return p.bodyEnd - p.bodyStart;
  return binaryData(rec, await file(), part)?.length ?? 0;
}
