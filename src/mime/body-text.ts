// The text of a message for the full-text index: text/* parts, transfer- and charset-decoded,
// HTML without tags, one alternative per multipart/alternative, capped at MAX_TEXT_CHARS.
import type { BodyPart } from './types.ts';
import { paramValue } from './header-params.ts';
import { decodeBytes } from './charset.ts';
import { transferDecode } from './transfer-decode.ts';
import { htmlToText } from './html-text.ts';
import { MAX_TEXT_CHARS } from './limits.ts';

/** RFC 2046 §5.1.4: the alternatives are in increasing faithfulness; for searching, the plain
 *  one is enough (and smaller). Without one, the last (richest) alternative. */
function chooseAlternative(parts: BodyPart[]): BodyPart | undefined {
  return parts.find((p) => p.type === 'text' && p.subtype === 'plain') ?? parts[parts.length - 1];
}

function partText(raw: Buffer, p: BodyPart, budget: number): string {
  const html = p.subtype === 'html';
  // no need to decode more input than can produce `budget` characters (base64 and tags shrink it)
  const end = Math.min(p.bodyEnd, p.bodyStart + budget * (html ? 8 : 4) + 16);
  const bytes = transferDecode(raw.subarray(p.bodyStart, end), p.encoding);
  const text = decodeBytes(bytes, paramValue(p.params, 'charset'));
  return html ? htmlToText(text) : text.replace(/\r\n?/g, '\n').trim();
}

export function extractText(raw: Buffer, root: BodyPart): string {
  const out: string[] = [];
  let total = 0;
  const visit = (p: BodyPart): void => {
    if (total >= MAX_TEXT_CHARS) return;
    if (p.parts !== undefined) {
      if (p.subtype === 'alternative') {
        const pick = chooseAlternative(p.parts);
        if (pick !== undefined) visit(pick);
      } else {
        for (const c of p.parts) visit(c);
      }
    } else if (p.message !== undefined) {
      visit(p.message);
    } else if (p.type === 'text') {
      const t = partText(raw, p, MAX_TEXT_CHARS - total);
      if (t !== '') {
        out.push(t);
        total += t.length + 1;
      }
    }
  };
  visit(root);
  const text = out.join('\n');
  return text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text;
}
