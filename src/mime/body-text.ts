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

function partText(raw: Buffer, p: BodyPart, budget: number): string {
  const html = p.subtype === 'html';
  // no need to decode more input than can produce `budget` characters (base64 and tags shrink it)
  const end = Math.min(p.bodyEnd, p.bodyStart + budget * (html ? 8 : 4) + 16);
  const bytes = transferDecode(raw.subarray(p.bodyStart, end), p.encoding);
  const text = decodeBytes(bytes, paramValue(p.params, 'charset'));
  return html ? htmlToText(text) : text.replace(/\r\n?/g, '\n').trim();
}

/** A line compared without its white space (HTML made text spaces where tags were). */
const squash = (line: string): string => line.replace(/\s+/g, '');

export function extractText(raw: Buffer, root: BodyPart): string {
  const out: string[] = [];
  let total = 0;
  // Inside a multipart/alternative: the lines its earlier alternatives gave (squashed).
  let seen: Set<string> | null = null;
  const add = (t: string): void => {
    if (seen !== null) {
      const lines = t.split('\n');
      const fresh = lines.filter((l) => !seen!.has(squash(l)));
      for (const l of lines) seen.add(squash(l));
      t = fresh.length === lines.length ? t : fresh.join('\n').trim();
    }
    if (t !== '') {
      out.push(t);
      total += t.length + 1;
    }
  };
  const visit = (p: BodyPart): void => {
    if (total >= MAX_TEXT_CHARS) return;
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
      add(partText(raw, p, MAX_TEXT_CHARS - total));
    }
  };
  visit(root);
  const text = out.join('\n');
  return text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text;
}
