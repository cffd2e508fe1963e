// Productions shared by several commands: mailbox names, sequence sets, flags, dates.

import { isUtf8 } from 'node:buffer';
import { ATOM_CHAR, DQUOTE, LIST_CHAR } from './chars.ts';
import { type Cursor, LITERAL, bad } from './cursor.ts';
import type { SearchDate } from './ast.ts';
import { decodeMutf7 } from './mutf7.ts';
import { parseSequenceSet, type SequenceSet } from './seqset.ts';

/** What a command handler sees: the cursor after the command name, and the session's mode. */
export type Ctx = {
  readonly c: Cursor;
  readonly uid: boolean;
  /** IMAP4rev2 or UTF8=ACCEPT is enabled: mailbox names are UTF-8, not modified UTF-7. */
  readonly utf8: boolean;
};

// Net-Unicode (RFC 5198 §2) as RFC 6855 §3 states it for mailbox names: no C0/C1 controls,
// DEL, LINE SEPARATOR or PARAGRAPH SEPARATOR.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * Decode a mailbox name or LIST pattern. IMAP4rev1 clients send modified UTF-7 (RFC 3501
 * §5.1.3), checked for canonical form; after ENABLE IMAP4rev2/UTF8=ACCEPT names are UTF-8
 * (RFC 9051 §5.1, RFC 6855 §3) and "&" is an ordinary character. Names are NFC-normalised so
 * a denormalised spelling always opens the same mailbox (RFC 9051 §5.1), and any case of
 * INBOX is INBOX, as the first level of a longer name too ("inbox/x" is INBOX's child, never
 * a second "inbox" beside INBOX: RFC 9051 §9 mailbox, as Dovecot).
 */
export function decodeMailboxName(raw: Buffer, utf8: boolean): string {
  let name: string;
  if (utf8) {
    if (!isUtf8(raw)) bad('Mailbox name is not valid UTF-8');
    name = raw.toString('utf8');
  } else {
    if (raw.some((b) => b >= 0x80)) bad('8-bit mailbox name: use modified UTF-7 or ENABLE UTF8=ACCEPT');
    name = decodeMutf7(raw.toString('latin1')) ?? bad('Mailbox name is not valid modified UTF-7');
  }
  if (FORBIDDEN_IN_NAME.test(name)) bad('Control characters are not allowed in mailbox names');
  name = name.normalize('NFC');
  return /^inbox(?=\/|$)/i.test(name) ? 'INBOX' + name.slice(5) : name;
}

/** mailbox = "INBOX" / astring */
export function mailbox(x: Ctx): string {
  return decodeMailboxName(x.c.astring('a mailbox name'), x.utf8);
}

/** list-mailbox = 1*list-char / string */
export function listMailbox(x: Ctx): string {
  const c = x.c.peek();
  if (c === DQUOTE || c === LITERAL) return decodeMailboxName(x.c.string('a mailbox pattern'), x.utf8);
  const s = x.c.run(LIST_CHAR);
  if (s === '') bad('Expected a mailbox pattern');
  return decodeMailboxName(Buffer.from(s, 'latin1'), x.utf8);
}

const SEQ_CHARS = new Uint8Array(256);
for (const ch of '0123456789:*,$') SEQ_CHARS[ch.charCodeAt(0)] = 1;

export function sequenceSet(c: Cursor): SequenceSet {
  const text = c.run(SEQ_CHARS);
  if (text === '') bad('Expected a sequence set');
  const set = parseSequenceSet(text, c.limits.maxSeqRanges);
  return typeof set === 'string' ? bad(set) : set;
}

/** A sequence set of real numbers: QRESYNC known-uids and seq-match-data allow no "*" (RFC 7162). */
export function plainSequenceSet(c: Cursor): SequenceSet {
  const set = sequenceSet(c);
  if (set.saved || set.ranges.some(([lo, hi]) => lo === 0 || hi === 0)) bad('"*" and "$" are not allowed here');
  return set;
}

const SYSTEM_FLAGS = new Map(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map((f) => [f.toUpperCase(), f]));

/**
 * flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword /
 * flag-extension. System flags come back in their canonical case; \Recent is server-managed
 * and cannot be stored or appended (RFC 3501 §2.3.2; RFC 9051 §9 "Does not include \Recent").
 * A flag-extension is reserved for future standards (RFC 9051 §2.3.2): none is known here, so
 * it is refused rather than accepted and dropped (Dovecot answers BAD too).
 */
export function flag(c: Cursor): string {
  if (c.maybe(0x5c)) {
    const name = '\\' + c.atom('a flag name');
    const upper = name.toUpperCase();
    if (upper === '\\RECENT') bad('\\Recent cannot be set by a client');
    return SYSTEM_FLAGS.get(upper) ?? bad(`Invalid system flag ${name.slice(0, 40)}`);
  }
  return c.atom('a flag');
}

/** flag-list = "(" [flag *(SP flag)] ")" */
export function flagList(c: Cursor): string[] {
  return c.list(() => flag(c), true, 'a flag list');
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

export const monthIndex = (s: string): number => MONTHS.indexOf(s.toUpperCase()) + 1;

// Date.UTC maps years 0-99 to 1900-1999, which have the same leap years for 1-99.
export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month "-" date-year */
export function searchDate(c: Cursor): SearchDate {
  const text = c.peek() === DQUOTE ? c.quoted().toString('latin1') : c.run(ATOM_CHAR);
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  const date = m === null ? undefined : validDate(Number(m[3]), monthIndex(m[2]), Number(m[1]));
  return date ?? bad('Invalid date (expected e.g. 1-Feb-1994)');
}

export function validDate(year: number, month: number, day: number): SearchDate | undefined {
  if (month < 1 || year < 1 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/**
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.
 * A one-digit day without the leading space ("7-Feb-1994") is accepted too: clients send it.
 */
export function dateTime(c: Cursor): Date {
  const text = c.quoted().toString('latin1');
  const m = /^( [0-9]|[0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/.exec(text);
  if (m === null) return bad('Invalid date-time (expected e.g. "07-Feb-1994 22:43:04 -0800")');
  const [h, min, s, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number);
  const date = validDate(Number(m[3]), monthIndex(m[2]), Number(m[1]));
  if (date === undefined || h > 23 || min > 59 || s > 60 || zm > 59) bad('Invalid date-time');
  const d = new Date(0);
  d.setUTCFullYear(date!.year, date!.month - 1, date!.day);
  d.setUTCHours(h, min, s, 0);
  const offset = (zh * 60 + zm) * 60_000 * (m[7] === '-' ? -1 : 1);
  return new Date(d.getTime() - offset);
}

/** An upper-cased atom that must be one of `allowed`. */
export function oneOf<T extends string>(c: Cursor, allowed: readonly T[], what: string): T {
  const word = c.keyword(what);
  if (!(allowed as readonly string[]).includes(word)) bad(`Unknown ${what} ${word.slice(0, 30)}`);
  return word as T;
}
