// Charset decoding for bodies and RFC 2231 parameters, through libmime (iconv-lite inside), which
// knows the aliases real mail uses and refuses UTF-7. Never throws.
import { isUtf8 } from 'node:buffer';
import { decode } from 'libmime/lib/charset.js';
import libmime from 'libmime';

/** Bytes in a declared charset as text. Without a charset (or with us-ascii, which 8-bit bodies
 *  often claim wrongly) the bytes are read as UTF-8 when valid, else as Latin-1. */
export function decodeBytes(buf: Buffer, charset: string | undefined): string {
  const cs = charset === undefined ? '' : charset.trim().toLowerCase();
  if (cs === '' || cs === 'us-ascii' || cs === 'ascii' || cs === 'utf-8' || cs === 'utf8') {
    return isUtf8(buf) ? buf.toString('utf8') : buf.toString('latin1');
  }
  try {
    return decode(buf, cs);
  } catch {
    return buf.toString('latin1');
  }
}

/** RFC 2047 encoded-words decoded (for SEARCH text; ENVELOPE keeps the raw words). */
export function decodeWords(text: string): string {
  if (text.indexOf('=?') === -1) return text;
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}
