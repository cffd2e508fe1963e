// The decoded text of a header for the full-text index (SEARCH TEXT): one line per field,
// `name: value` with the value unfolded and its RFC 2047 encoded-words decoded.
import type { HeaderBlock } from './header-block.ts';
import { unfold } from './header-block.ts';
import { headerText } from './bytes.ts';
import { decodeWords } from './charset.ts';

/** A header's indexed text stops here: enough for any real header, bounded for a hostile one. */
export const MAX_HEADER_TEXT_CHARS = 64 * 1024;

export function decodedHeaderText(raw: Buffer, block: HeaderBlock): string {
  let out = '';
  for (const f of block.fields) {
    const line = f.name + ': ' + decodeWords(unfold(headerText(raw, f.valueStart, f.valueEnd)));
    out += out === '' ? line : '\n' + line;
    if (out.length >= MAX_HEADER_TEXT_CHARS) return out.slice(0, MAX_HEADER_TEXT_CHARS);
  }
  return out;
}
