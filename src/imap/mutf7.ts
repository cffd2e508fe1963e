// Modified UTF-7, the IMAP4rev1 mailbox naming convention (RFC 3501 §5.1.3, RFC 9051
// Appendix A.1). Printable US-ASCII stands for itself, "&" is "&-", everything else is
// UTF-16BE in base64 with "," for "/", between "&" and "-". The decoder accepts only the one
// canonical encoding of each name, so two spellings can never name two different mailboxes.

const isPrintable = (c: number): boolean => c >= 0x20 && c <= 0x7e;

const B64_ALPHABET = /^[A-Za-z0-9+,]+$/;

/** Encode a Unicode mailbox name for an IMAP4rev1 client. */
export function encodeMutf7(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (isPrintable(c)) {
      out += c === 0x26 ? '&-' : name[i];
      i++;
      continue;
    }
    let j = i;
    while (j < name.length && !isPrintable(name.charCodeAt(j))) j++;
    const bytes = Buffer.alloc((j - i) * 2);
    for (let k = i; k < j; k++) bytes.writeUInt16BE(name.charCodeAt(k), (k - i) * 2);
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    i = j;
  }
  return out;
}

/**
 * Decode a modified UTF-7 name, or undefined when it is not the canonical encoding of any
 * name: raw 8-bit or control characters, an unterminated "&", base64 that encodes printable
 * ASCII, superfluous shifts ("&AGE-&AGE-"), stray or non-zero padding bits, broken surrogates.
 */
export function decodeMutf7(encoded: string): string | undefined {
  let out = '';
  let i = 0;
  let lastRunEnd = -1; // index just after the "-" of the last base64 run
  while (i < encoded.length) {
    const c = encoded.charCodeAt(i);
    if (!isPrintable(c)) return undefined;
    if (c !== 0x26) {
      out += encoded[i];
      i++;
      continue;
    }
    const end = encoded.indexOf('-', i + 1);
    if (end < 0) return undefined;
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    // "-&" while in base64 is a null shift: the two runs must have been one (§5.1.3).
    if (lastRunEnd === i) return undefined;
    const run = decodeRun(encoded.slice(i + 1, end));
    if (run === undefined) return undefined;
    out += run;
    i = end + 1;
    lastRunEnd = i;
  }
  return out;
}

function decodeRun(b64: string): string | undefined {
  if (!B64_ALPHABET.test(b64)) return undefined;
  // 16-bit units in 6-bit characters: only 3, 6 or 8 characters per 1, 2 or 3 units are exact.
  const rest = b64.length % 8;
  if (rest !== 0 && rest !== 3 && rest !== 6) return undefined;
  const last = base64Value(b64.charCodeAt(b64.length - 1));
  const spareBits = rest === 3 ? 2 : rest === 6 ? 4 : 0;
  if ((last & ((1 << spareBits) - 1)) !== 0) return undefined;
  const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
  let out = '';
  for (let k = 0; k + 1 < bytes.length; k += 2) {
    const unit = bytes.readUInt16BE(k);
    if (isPrintable(unit)) return undefined; // must have been written directly
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = k + 3 < bytes.length ? bytes.readUInt16BE(k + 2) : -1;
      if (low < 0xdc00 || low > 0xdfff) return undefined;
      out += String.fromCharCode(unit, low);
      k += 2;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return undefined;
    out += String.fromCharCode(unit);
  }
  return out;
}

function base64Value(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  return c === 0x2b ? 62 : 63;
}
