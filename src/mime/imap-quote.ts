// IMAP strings (RFC 3501 §4.3, §9 "string"; RFC 9051 §4.3): a quoted string when every character
// is a TEXT-CHAR, with "\" and '"' escaped; otherwise a literal {n}\r\n. 8-bit UTF-8 may be
// quoted only after ENABLE UTF8=ACCEPT (RFC 9051 QUOTED-CHAR includes UTF8-2/3/4; RFC 6855).
// The caller writes the returned text as UTF-8, and literal lengths count those bytes.

export function imapString(s: string, utf8: boolean): string {
  if (s.indexOf('\0') !== -1) s = s.replace(/\0/g, ''); // NUL MUST NOT be sent (RFC 3501 §9 note 3)
  let escapes = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || (c >= 0x80 && !utf8)) {
      return `{${Buffer.byteLength(s, 'utf8')}}\r\n${s}`;
    }
    if (c === 0x22 || c === 0x5c) escapes = true;
  }
  return escapes ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
}

export function nstring(s: string | null | undefined, utf8: boolean): string {
  return s === null || s === undefined ? 'NIL' : imapString(s, utf8);
}
