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
  // eslint-disable-next-line no-control-regex -- controls are not text to show
  return firstCodePoints(flat, PREVIEW_CHARS).replace(/[\u0000-\u001f\u007f]/g, '');
}

/** The first `n` characters (code points, so no surrogate pair is split) of `s`. */
function firstCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  let end = 0;
  for (let count = 0; count < n && end < s.length; count++) {
    const c = s.charCodeAt(end);
    const next = s.charCodeAt(end + 1); // NaN past the end
    end += c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return s.slice(0, end);
}
