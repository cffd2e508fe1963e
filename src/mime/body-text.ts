// The text of a message for SEARCH BODY/TEXT and the full-text index: every text/* part,
// transfer- and charset-decoded, HTML without tags, capped at MAX_TEXT_CHARS. Every alternative
// of a multipart/alternative counts: BODY means the whole body (RFC 9051 §6.4.4), and an HTML
// part often says what its plain sibling does not ("view this mail in your browser"); Dovecot
// searches them all too. The alternatives after the first add only their lines the earlier
// ones lack, so the usual pair (the same words as plain text and as HTML) is kept once.
import type { BodyPart } from './types.ts';
import { paramValue } from './header-params.ts';
import { decodeBytes } from './charset.ts';
import { transferDecode } from './transfer-decode.ts';
import { htmlToText } from './html-text.ts';
import { MAX_TEXT_CHARS } from './limits.ts';

/** A text part's text; with a `budget`, from no more input than can give that many characters
 *  (base64 and tags shrink it), and whether input was left out. */
function partText(raw: Buffer, p: BodyPart, budget = Infinity): { text: string; cut: boolean } {
  const html = p.subtype === 'html';
  const end = Math.min(p.bodyEnd, p.bodyStart + budget * (html ? 8 : 4) + 16);
  const bytes = transferDecode(raw.subarray(p.bodyStart, end), p.encoding);
  const text = decodeBytes(bytes, paramValue(p.params, 'charset'));
  return { text: html ? htmlToText(text) : text.replace(/\r\n?/g, '\n').trim(), cut: end < p.bodyEnd };
}

/** A line compared without its white space (HTML made text spaces where tags were). */
const squash = (line: string): string => line.replace(/\s+/g, '');

/** The text, and whether the cap left some out (SEARCH then reads the rest from the file: see
 *  textPartsMatch). */
export function extractText(raw: Buffer, root: BodyPart): { text: string; textTruncated: boolean } {
  const out: string[] = [];
  let total = 0;
  let truncated = false;
  // Inside a multipart/alternative: the lines its earlier alternatives gave (squashed).
  let seen: Set<string> | null = null;
  const add = (t: string): void => {
    if (seen !== null) {
      const lines = t.split('\n');
      const keys = lines.map(squash);
      const fresh = lines.filter((_, i) => !seen!.has(keys[i]));
      for (const k of keys) seen.add(k);
      t = fresh.length === lines.length ? t : fresh.join('\n').trim();
    }
    if (t !== '') {
      out.push(t);
      total += t.length + 1;
    }
  };
  const visit = (p: BodyPart): void => {
    if (total >= MAX_TEXT_CHARS) {
      truncated = true;
      return;
    }
    if (p.parts !== undefined) {
      const outer = seen;
      if (p.subtype === 'alternative') seen = new Set();
      for (const c of p.parts) visit(c);
      seen = outer;
    } else if (p.message !== undefined) {
      const outer = seen;
      seen = null; // an attached message is its own text
      visit(p.message);
      seen = outer;
    } else if (p.type === 'text') {
      const { text, cut } = partText(raw, p, MAX_TEXT_CHARS - total);
      if (cut) truncated = true;
      add(text);
    }
  };
  visit(root);
  const text = out.join('\n');
  if (text.length > MAX_TEXT_CHARS) return { text: text.slice(0, MAX_TEXT_CHARS), textTruncated: true };
  return { text, textTruncated: truncated };
}

/**
 * Whether `test` holds for the whole text of some text part, none capped: for the rare message
 * whose text passed MAX_TEXT_CHARS, read again when a search needs what the index left out.
 * One part's text in memory at a time.
 */
export function textPartsMatch(raw: Buffer, root: BodyPart, test: (text: string) => boolean): boolean {
  const visit = (p: BodyPart): boolean => {
    if (p.parts !== undefined) return p.parts.some(visit);
    if (p.message !== undefined) return visit(p.message);
    return p.type === 'text' && test(partText(raw, p).text);
  };
  return visit(root);
}
