// Byte-level helpers shared by the parser. Everything works on (raw, start, end) ranges so that
// no part of the message is ever copied just to be looked at.
import { isUtf8 } from 'node:buffer';

export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const HT = 0x09;

/** Header bytes as text: UTF-8 when valid (RFC 6532 allows it), otherwise Latin-1, which keeps
 *  one character per byte instead of turning unknown 8-bit bytes into U+FFFD. */
export function headerText(raw: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (raw[i] >= 0x80) {
      return isUtf8(raw.subarray(start, end)) ? raw.toString('utf8', start, end) : raw.toString('latin1', start, end);
    }
  }
  return raw.toString('latin1', start, end);
}

/** Lines in a body: each LF ends one, and a last line without LF counts too (the CRLF before a
 *  multipart delimiter belongs to the delimiter, RFC 2046 §5.1.1, yet ends the part's last line). */
export function countLines(raw: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  const view = raw.subarray(start, end);
  let n = 0;
  let i = view.indexOf(LF);
  while (i !== -1) {
    n++;
    i = view.indexOf(LF, i + 1);
  }
  return view[view.length - 1] === LF ? n : n + 1;
}

/** Index of the next LF in [from, end), or end when there is none. */
export function lineEnd(view: Buffer, from: number): number {
  const i = view.indexOf(LF, from);
  return i === -1 ? view.length : i;
}
