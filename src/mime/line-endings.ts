// Line endings of stored messages: RFC 5322 §2.3 lines end in CRLF. Mail that comes with bare
// LFs (from SMTP, or a client's APPEND from a Unix mbox) is stored with CRLF, so every reader
// (IMAP sizes and sections, POP3's octet counts and dot-stuffing) sees the same bytes it counts.

const CR = 0x0d;
const LF = 0x0a;

/** `data` with every LF not preceded by CR made CRLF; `data` itself when it has none. */
export function withCrlf(data: Buffer): Buffer {
  let bare = 0;
  for (let i = data.indexOf(LF); i !== -1; i = data.indexOf(LF, i + 1)) if (i === 0 || data[i - 1] !== CR) bare++;
  if (bare === 0) return data;
  const out = Buffer.allocUnsafe(data.length + bare);
  let o = 0;
  let start = 0;
  for (let i = data.indexOf(LF); i !== -1; i = data.indexOf(LF, i + 1)) {
    if (i === 0 || data[i - 1] !== CR) {
      o += data.copy(out, o, start, i);
      out[o++] = CR;
      start = i;
    }
  }
  o += data.copy(out, o, start);
  return out.subarray(0, o);
}
