// group_concat output ("1,2,5": UIDs, ids, packed flag rows) read straight into typed arrays,
// without a string or a number object per element (a mailbox of 100,000 messages).

/** "1,2,5" → UIDs. */
export function parseUidList(text: string): Uint32Array {
  return parseCommaList(text, Uint32Array);
}

/** "1,2,5" → numbers (any size a double holds exactly: message ids, packed rows). */
export function parseNumberList(text: string): Float64Array {
  return parseCommaList(text, Float64Array);
}

/** Non-negative integers separated by commas ('' is none). */
function parseCommaList<T extends Uint32Array | Float64Array>(text: string, Kind: new (n: number) => T): T {
  let n = text.length === 0 ? 0 : 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) n++;
  const out = new Kind(n);
  let k = 0;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      out[k++] = v;
      v = 0;
    } else v = v * 10 + (c - 48);
  }
  if (n > 0) out[k] = v;
  return out;
}
