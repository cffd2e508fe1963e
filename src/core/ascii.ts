// ASCII tests for text that goes on the wire where only ASCII may (IMAP outside UTF-8 mode,
// SMTP replies outside SMTPUTF8) or where an ASCII fast path applies (SQL LIKE).

/** Every character is ASCII (U+0000 to U+007F). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** `s` with every character outside printable ASCII (space to "~") made "?". */
export function printableAscii(s: string): string {
  return s.replace(/[^\x20-\x7e]/gu, '?');
}
