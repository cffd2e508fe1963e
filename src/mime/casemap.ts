// The i;unicode-casemap collation (RFC 5051), which SORT and THREAD compare strings with
// (RFC 5256 §7): each character to its titlecase form, then fully decomposed; the results
// compare as UTF-8 octets, which is code point order. The key is computed once per message
// at delivery, so SQL can ORDER BY it with the plain BINARY collation.

// The four titlecase digraphs, the only letters whose titlecase differs from their upper case.
const DIGRAPHS: Readonly<Record<string, string>> = {
  'Ǆ': 'ǅ', 'ǅ': 'ǅ', 'ǆ': 'ǅ',
  'Ǉ': 'ǈ', 'ǈ': 'ǈ', 'ǉ': 'ǈ',
  'Ǌ': 'ǋ', 'ǋ': 'ǋ', 'ǌ': 'ǋ',
  'Ǳ': 'ǲ', 'ǲ': 'ǲ', 'ǳ': 'ǲ',
};

/** RFC 5051 §2: "titlecased canonicalized" form of s. */
export function casemap(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) ascii = false;
  if (ascii) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const d = DIGRAPHS[ch];
    if (d !== undefined) {
      out += d;
      continue;
    }
    // The UCD titlecase property maps one code point to one; where JavaScript's upper case
    // expands (ß → SS), the character has no simple titlecase mapping and stays.
    const up = ch.toUpperCase();
    out += up.length === ch.length || [...up].length === 1 ? up : ch;
  }
  // RFC 5051 §2 step 2(b): the decomposition property, applied until none is left; the
  // example there (U+01C5 → D z ̌) is a compatibility decomposition, hence NFKD.
  return out.normalize('NFKD');
}

const HIGH = /[\ud800-\uffff]/;

/** Code point order (UTF-8 octet order), which differs from JavaScript's UTF-16 `<` above U+D7FF. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order agrees unless both hold code units from U+D800 up (rare): compare natively then.
  if (!HIGH.test(a) || !HIGH.test(b)) return a < b ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800-DFFF, encoding U+10000 and above) sort after U+E000-FFFF.
    const fx = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    const fy = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return fx - fy;
  }
  return a.length - b.length;
}
