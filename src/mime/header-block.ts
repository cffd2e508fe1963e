// The header of a message or of a MIME part (RFC 5322 §2.2, RFC 2045 §3): where each field is,
// and where the body starts. Tolerant: bare LF line endings, 8-bit bytes, and a header that runs
// into the body without the blank line (then the body starts at the first line that is neither a
// field nor a continuation, which is what a reader of such a message would see).
import { CR, HT, SP, headerText, lineEnd } from './bytes.ts';

export type HeaderField = {
  /** Field name, lowercased. */
  name: string;
  /** Offsets in raw: the value after the colon, up to the end of its last line. */
  valueStart: number;
  valueEnd: number;
};

export type HeaderBlock = {
  fields: HeaderField[];
  /** Offset just after the blank line (or where the body begins without one, or end). */
  bodyStart: number;
};

/** A field line is `name ":" value` where the name has no whitespace or control characters;
 *  WSP before the colon is obsolete syntax we accept (RFC 5322 §4.5). Returns the colon's index
 *  in view, or -1. */
function colonOf(view: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = view[i];
    if (c === 0x3a) return i > start ? i : -1;
    if (c <= SP || c === 0x7f) break;
    i++;
  }
  const nameEnd = i;
  while (i < end && (view[i] === SP || view[i] === HT)) i++;
  return i < end && view[i] === 0x3a && nameEnd > start ? i : -1;
}

export function scanHeader(raw: Buffer, start: number, end: number): HeaderBlock {
  const view = raw.subarray(start, end);
  const fields: HeaderField[] = [];
  let pos = 0;
  let current: HeaderField | null = null;
  while (pos < view.length) {
    const nl = lineEnd(view, pos);
    const next = nl < view.length ? nl + 1 : nl;
    const contentEnd = nl > pos && view[nl - 1] === CR ? nl - 1 : nl;
    if (contentEnd === pos && nl < view.length) {
      return { fields, bodyStart: start + next }; // the blank line ends the header
    }
    const c = view[pos];
    if (c === SP || c === HT) {
      // a continuation line (RFC 5322 §2.2.3); one before any field is kept in the header too
      if (current !== null) current.valueEnd = start + contentEnd;
    } else {
      const colon = colonOf(view, pos, contentEnd);
      if (colon === -1) {
        if (contentEnd === pos) return { fields, bodyStart: start + next }; // lone CR at the end
        return { fields, bodyStart: start + pos };
      }
      let nameEnd = colon;
      while (nameEnd > pos && (view[nameEnd - 1] === SP || view[nameEnd - 1] === HT)) nameEnd--;
      current = {
        name: view.toString('latin1', pos, nameEnd).toLowerCase(),
        valueStart: start + colon + 1,
        valueEnd: start + contentEnd,
      };
      fields.push(current);
    }
    pos = next;
  }
  return { fields, bodyStart: end };
}

/** The first field of that (lowercase) name, or undefined. RFC 5322 allows most fields once;
 *  when a message repeats one, the first is the one a reader sees first. */
export function findField(block: HeaderBlock, name: string): HeaderField | undefined {
  for (const f of block.fields) if (f.name === name) return f;
  return undefined;
}

/** A field's value unfolded (RFC 5322 §2.2.3: CRLF removed, the WSP kept) and trimmed; null when
 *  the field is absent. */
export function fieldValue(raw: Buffer, block: HeaderBlock, name: string): string | null {
  const f = findField(block, name);
  if (f === undefined) return null;
  const text = headerText(raw, f.valueStart, f.valueEnd);
  return unfold(text);
}

export function unfold(text: string): string {
  return (text.indexOf('\n') === -1 && text.indexOf('\r') === -1 ? text : text.replace(/[\r\n]+/g, '')).trim();
}
