// Character classes of the IMAP grammar (RFC 9051 §9), as byte lookup tables.
//   atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
//   ATOM-CHAR     = <any CHAR except atom-specials>      (CHAR is 7-bit, %x01-7F)
//   ASTRING-CHAR  = ATOM-CHAR / resp-specials ("]")
//   tag           = 1*<any ASTRING-CHAR except "+">
//   list-char     = ATOM-CHAR / list-wildcards / resp-specials

const table = (pred: (c: number) => boolean): Uint8Array => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
};

const ATOM_SPECIALS = new Set([...'(){ %*"\\]'].map((ch) => ch.charCodeAt(0)));

export const ATOM_CHAR = table((c) => c > 0x20 && c < 0x7f && !ATOM_SPECIALS.has(c));
export const ASTRING_CHAR = table((c) => ATOM_CHAR[c] === 1 || c === 0x5d);
export const TAG_CHAR = table((c) => ASTRING_CHAR[c] === 1 && c !== 0x2b);
export const LIST_CHAR = table((c) => ASTRING_CHAR[c] === 1 || c === 0x25 || c === 0x2a);

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;

/** Length of the tag at the start of `line`, or 0 when it does not start with one. */
export function tagLength(line: Buffer): number {
  let i = 0;
  while (i < line.length && TAG_CHAR[line[i]] === 1) i++;
  return i;
}
