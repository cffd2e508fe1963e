// The FETCH PREVIEW text of RFC 8970: plain text from the start of the body, at most 256
// characters. Made from the decoded body text parseMessage already extracts for the
// full-text index (text/* parts, HTML without tags), so it costs nothing extra to keep.

export const PREVIEW_CHARS = 256; // RFC 8970 §2: no more than 256 characters

/** Quoted lines ("> ...") of a reply say nothing new and are left out when something else is there. */
export function makePreview(text: string): string {
  const head = text.length > 16 * PREVIEW_CHARS ? text.slice(0, 16 * PREVIEW_CHARS) : text;
  const lines = head.split(/\r?\n/);
  const own = lines.filter((l) => !/^\s*>/.test(l));
  const flat = (own.some((l) => l.trim() !== '') ? own : lines).join(' ').replace(/\s+/gu, ' ').trim();
  const chars = [...flat];
  // eslint-disable-next-line no-control-regex -- controls are not text to show
  return (chars.length > PREVIEW_CHARS ? chars.slice(0, PREVIEW_CHARS).join('') : flat).replace(/[\u0000-\u001f\u007f]/g, '');
}
