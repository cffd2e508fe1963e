// Content-Transfer-Encoding decoding (RFC 2045 §6.7, §6.8), lenient: malformed input gives the
// bytes a reader would guess, never an error.
import { CR, HT, LF, SP } from './bytes.ts';

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** RFC 2045 §6.7: "=XX" octets and "=" soft line breaks; a "=" that is neither stays as it is. */
export function decodeQuotedPrintable(buf: Buffer): Buffer {
  const out = Buffer.allocUnsafe(buf.length);
  let o = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    const h = i + 2 < buf.length ? hex(buf[i + 1]) : -1;
    const l = h === -1 ? -1 : hex(buf[i + 2]);
    if (l !== -1) {
      out[o++] = h * 16 + l;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (j < buf.length && (buf[j] === SP || buf[j] === HT)) j++;
    if (j === buf.length) break;
    if (buf[j] === CR && buf[j + 1] === LF) i = j + 1;
    else if (buf[j] === LF) i = j;
    else out[o++] = c;
  }
  return out.subarray(0, o);
}

/** Decodes a body by its (lowercased) transfer encoding; identity encodings and unknown ones
 *  (x-uuencode and the like) are returned as they are. */
export function transferDecode(buf: Buffer, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(buf.toString('latin1'), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(buf);
  return buf;
}
