// Commands of the issue-5 extensions: REPLACE (RFC 8508), GETMETADATA/SETMETADATA (RFC 5464).

import type { ArgsOf } from './ast.ts';
import { type Cursor, LITERAL, bad } from './cursor.ts';
import { type Ctx, mailbox, oneOf } from './parse-common.ts';
import { appendMessage } from './parse-mailbox.ts';

/** replace = "REPLACE" SP seq-number SP mailbox append-message; uid-replace = "UID" SP replace */
export function parseReplace(x: Ctx): ArgsOf<'REPLACE'> {
  const { c } = x;
  c.sp();
  const target = c.maybe(0x2a) ? 0 : c.nzNumber(x.uid ? 'a UID' : 'a message sequence number');
  c.sp();
  const name = mailbox(x);
  return { target, mailbox: name, message: appendMessage(c) };
}

const LPAREN = 0x28;

/**
 * entry = astring, a slash-separated path (RFC 5464 §3.2): "/private/…" or "/shared/…", no
 * "//", no trailing "/", no "*" or "%", ASCII without controls; invalid names are BAD.
 */
function entry(c: Cursor, prefixAlone = false): string {
  const raw = c.astring('a metadata entry');
  if (raw.some((b) => b < 0x20 || b >= 0x7f) || /[*%]/.test(raw.toString('latin1'))) bad('Invalid metadata entry name');
  const name = raw.toString('latin1').toLowerCase();
  // GETMETADATA may name "/private" or "/shared" alone, to take everything below with DEPTH.
  const ok = prefixAlone ? /^\/(private|shared)(\/[^/]+)*$/ : /^\/(private|shared)(\/[^/]+)+$/;
  if (!ok.test(name)) bad('Metadata entry names are /private/… or /shared/…');
  return name;
}

/**
 * getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries (RFC 5464 §5)
 * getmetadata-option = "MAXSIZE" SP number / "DEPTH" SP ("0" / "1" / "infinity")
 * The RFC's own examples put the options after the mailbox; clients do both, so both are read
 * (an options list starts with a letter, an entry list with "/" or a string).
 */
export function parseGetMetadata(x: Ctx): ArgsOf<'GETMETADATA'> {
  const { c } = x;
  c.sp();
  let maxSize: number | undefined;
  let depth: 0 | 1 | 'infinity' | undefined;
  let seen = false;
  const options = (): void => {
    if (seen) bad('GETMETADATA options given twice');
    seen = true;
    c.list(() => {
      const opt = oneOf(c, ['MAXSIZE', 'DEPTH'], 'GETMETADATA option');
      c.sp();
      if (opt === 'MAXSIZE') {
        if (maxSize !== undefined) bad('MAXSIZE given twice');
        maxSize = c.number('a size');
      } else {
        if (depth !== undefined) bad('DEPTH given twice');
        const d = c.keyword('a depth');
        depth = d === '0' ? 0 : d === '1' ? 1 : d === 'INFINITY' ? 'infinity' : bad('DEPTH is 0, 1 or infinity');
      }
    });
    c.sp();
  };
  if (c.peek() === LPAREN) options();
  const name = mailbox(x);
  c.sp();
  const isLetter = (b: number): boolean => (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;
  if (c.peek() === LPAREN && isLetter(c.peekAhead(1))) options();
  const entries = c.peek() === LPAREN ? c.list(() => entry(c, true)) : [entry(c, true)];
  return maxSize === undefined ? { mailbox: name, depth: depth ?? 0, entries } : { mailbox: name, maxSize, depth: depth ?? 0, entries };
}

/** setmetadata = "SETMETADATA" SP mailbox SP entry-values; value = nstring / literal8 */
export function parseSetMetadata(x: Ctx): ArgsOf<'SETMETADATA'> {
  const { c } = x;
  c.sp();
  const name = mailbox(x);
  c.sp();
  const entries = c.list(() => {
    const n = entry(c);
    c.sp();
    const value = c.peek() === LITERAL ? c.literal(true).data : c.nstring('a metadata value');
    return { name: n, value };
  });
  const names = new Set(entries.map((e) => e.name));
  if (names.size !== entries.length) bad('An entry is named twice');
  return { mailbox: name, entries };
}

/** genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism) (RFC 4467 §9) */
export function parseGenUrlAuth(x: Ctx): ArgsOf<'GENURLAUTH'> {
  const { c } = x;
  const urls: { url: string; mechanism: string }[] = [];
  do {
    if (urls.length >= c.limits.maxListItems) bad('Too many URLs');
    c.sp();
    const url = c.astring('a URL').toString('latin1');
    c.sp();
    urls.push({ url, mechanism: c.keyword('a URLAUTH mechanism') });
  } while (!c.atEnd());
  return { urls };
}

/** resetkey = "RESETKEY" [SP mailbox *(SP mechanism)] */
export function parseResetKey(x: Ctx): ArgsOf<'RESETKEY'> {
  const { c } = x;
  if (c.atEnd()) return { mechanisms: [] };
  c.sp();
  const name = mailbox(x);
  const mechanisms: string[] = [];
  while (!c.atEnd()) {
    if (mechanisms.length >= c.limits.maxListItems) bad('Too many mechanisms');
    c.sp();
    mechanisms.push(c.keyword('a URLAUTH mechanism'));
  }
  return { mailbox: name, mechanisms };
}

/**
 * urlfetch = "URLFETCH" 1*(SP url-fetch-arg); url-fetch-arg = url-full /
 * "(" url-full *(SP url-fetch-param) ")" (RFC 4467 §9, RFC 5524 §5)
 */
export function parseUrlFetch(x: Ctx): ArgsOf<'URLFETCH'> {
  const { c } = x;
  const urls: { url: string; params?: string[] }[] = [];
  do {
    if (urls.length >= c.limits.maxListItems) bad('Too many URLs');
    c.sp();
    if (c.peek() !== LPAREN) {
      urls.push({ url: c.astring('a URL').toString('latin1') });
      continue;
    }
    c.char(LPAREN, '(');
    const url = c.astring('a URL').toString('latin1');
    const params: string[] = [];
    while (c.maybe(0x20)) {
      if (params.length >= 8) bad('Too many URLFETCH parameters');
      const p = c.keyword('a URLFETCH parameter');
      // RFC 5524 §3.1: each at most once, and not both BINARY and BODY.
      if (params.includes(p)) bad(`${p} given twice`);
      params.push(p);
    }
    c.char(0x29, ')');
    if (params.includes('BINARY') && params.includes('BODY')) bad('BINARY and BODY exclude each other');
    urls.push({ url, params });
  } while (!c.atEnd());
  return { urls };
}
