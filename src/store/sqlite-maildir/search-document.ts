// What the full-text index holds for a message: its decoded header text and body text. Used on
// the main thread (a message just parsed at delivery) and in the search worker (a message read
// back from its file when the main thread sent only where it lies).
import type { ParsedMessage } from '../../mime/parse-message.ts';
import { parseMessage } from '../../mime/parse-message.ts';
import { scanHeader } from '../../mime/header-block.ts';
import { decodedHeaderText, MAX_HEADER_TEXT_CHARS } from '../../mime/header-text.ts';

/** [head, body, partial]: `partial` when the body text was capped (the index then marks the
 *  message, and a search reads the rest of its text from the file). */
export type SearchDoc = [head: string, body: string, partial?: boolean];

/** The document of a message. `prefix` is the per-recipient header lines the file has before
 *  the message (BODY[HEADER] shows them, so TEXT finds them). */
export function searchDocument(prefix: Buffer, parsed: ParsedMessage): SearchDoc {
  if (prefix.length === 0) return [parsed.headerText, parsed.text, parsed.textTruncated];
  const lines = decodedHeaderText(prefix, scanHeader(prefix, 0, prefix.length));
  const head = lines === '' ? parsed.headerText : parsed.headerText === '' ? lines : lines + '\n' + parsed.headerText;
  return [head.length > MAX_HEADER_TEXT_CHARS ? head.slice(0, MAX_HEADER_TEXT_CHARS) : head, parsed.text, parsed.textTruncated];
}

/** searchDocument of a stored file whose message starts at dataOffset. */
export function fileDocument(file: Buffer, dataOffset: number): SearchDoc {
  const offset = Math.min(file.length, dataOffset);
  return searchDocument(file.subarray(0, offset), parseMessage(file.subarray(offset)));
}
