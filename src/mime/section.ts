// BODY[section] as byte ranges of the message file (RFC 3501 §6.4.5, RFC 9051 §6.4.5.1), from
// the offsets parseMessage stored, so FETCH of a part is a slice and never a re-parse.
import type { BodyPart } from './types.ts';

/** The part a section-part like [1, 2] names, or null when there is none. A non-multipart
 *  message has only part 1 (itself); the parts of a message/rfc822 part are numbered within
 *  the encapsulated message the same way. */
export function partAt(root: BodyPart, path: readonly number[]): BodyPart | null {
  let container: BodyPart = root; // the entity whose children the next number selects
  let current: BodyPart | null = null;
  for (const n of path) {
    if (current !== null) {
      if (current.parts !== undefined) container = current;
      else if (current.message !== undefined) container = current.message;
      else return null;
    }
    if (container.parts !== undefined) current = container.parts[n - 1] ?? null;
    else current = n === 1 ? container : null;
    if (current === null) return null;
  }
  return current;
}

export type SectionText = '' | 'HEADER' | 'TEXT' | 'MIME';

/** [start, end) of BODY[path.text] in the message file, or null when the section does not exist
 *  (HEADER/TEXT need the root or a message/rfc822 part; MIME needs a part number). HEADER.FIELDS
 *  are taken from the HEADER range by the caller. */
export function sectionRange(root: BodyPart, path: readonly number[], text: SectionText): [number, number] | null {
  if (path.length === 0) {
    if (text === '') return [root.headerStart, root.bodyEnd];
    if (text === 'HEADER') return [root.headerStart, root.bodyStart];
    if (text === 'TEXT') return [root.bodyStart, root.bodyEnd];
    return null;
  }
  const p = partAt(root, path);
  if (p === null) return null;
  if (text === '') return [p.bodyStart, p.bodyEnd];
  if (text === 'MIME') return [p.headerStart, p.bodyStart];
  const m = p.message;
  if (m === undefined) return null;
  return text === 'HEADER' ? [m.headerStart, m.bodyStart] : [m.bodyStart, m.bodyEnd];
}
