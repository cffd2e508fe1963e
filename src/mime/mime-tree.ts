// The MIME tree of a message (RFC 2045, RFC 2046) with byte offsets, computed in one pass over a
// Buffer. Multipart bodies are split by their own boundary before their children are parsed, so
// a child can never run past a delimiter of an ancestor, whatever its own boundaries do.
import type { BodyParam, BodyPart } from './types.ts';
import type { HeaderBlock } from './header-block.ts';
import { fieldValue, scanHeader } from './header-block.ts';
import { paramValue, parseStructured } from './header-params.ts';
import { CR, HT, LF, SP, countLines } from './bytes.ts';
import { buildEnvelope } from './envelope.ts';
import { MAX_DEPTH, MAX_PARTS } from './limits.ts';

type Ctx = { raw: Buffer; parts: number };

export type Entity = { part: BodyPart; header: HeaderBlock };

// RFC 2045 §5.1 token characters.
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

function describe(raw: Buffer, header: HeaderBlock, start: number, end: number, digest: boolean): BodyPart {
  // RFC 2046 §5.1.5: in a multipart/digest the default is message/rfc822; elsewhere, and for a
  // Content-Type that does not parse, text/plain; charset=us-ascii (RFC 2045 §5.2). The charset
  // default is added when formatting, so the stored params say what the header said.
  let type = digest ? 'message' : 'text';
  let subtype = digest ? 'rfc822' : 'plain';
  let params: BodyParam[] = [];
  const ct = fieldValue(raw, header, 'content-type');
  if (ct !== null && ct !== '') {
    const s = parseStructured(ct);
    const slash = s.value.indexOf('/');
    const t = s.value.slice(0, slash);
    const st = s.value.slice(slash + 1);
    if (slash > 0 && TOKEN.test(t) && TOKEN.test(st)) {
      type = t;
      subtype = st;
      params = s.params;
    } else {
      type = 'text';
      subtype = 'plain';
    }
  }
  const cte = fieldValue(raw, header, 'content-transfer-encoding');
  const encoding = cte === null ? '' : parseStructured(cte).value;
  const part: BodyPart = {
    type,
    subtype,
    params,
    encoding: encoding === '' ? '7bit' : encoding,
    size: end - header.bodyStart,
    headerStart: start,
    bodyStart: header.bodyStart,
    bodyEnd: end,
  };
  const id = fieldValue(raw, header, 'content-id');
  if (id) part.id = id;
  const desc = fieldValue(raw, header, 'content-description');
  if (desc) part.description = desc;
  const md5 = fieldValue(raw, header, 'content-md5');
  if (md5) part.md5 = md5;
  const dsp = fieldValue(raw, header, 'content-disposition');
  if (dsp) {
    const d = parseStructured(dsp);
    if (d.value !== '') {
      part.disposition = d.value;
      if (d.params.length > 0) part.dispositionParams = d.params;
    }
  }
  const lang = fieldValue(raw, header, 'content-language');
  if (lang) {
    // RFC 3282: a comma-separated list of language tags, comments allowed
    const tags = lang.replace(/\([^)]*\)/g, '').split(',').map((x) => x.trim()).filter((x) => x !== '');
    if (tags.length > 0) part.language = tags;
  }
  const loc = fieldValue(raw, header, 'content-location');
  // RFC 2557 §4.2: a folded URI is unfolded by removing the whitespace
  if (loc) part.location = loc.replace(/\s+/g, '');
  return part;
}

/** Ranges of the body parts between delimiter lines (RFC 2046 §5.1.1). The CRLF before a
 *  delimiter belongs to the delimiter. A delimiter is "--" boundary at the start of a line,
 *  followed by "--" (the close delimiter), or by optional whitespace and the end of the line.
 *  Without a close delimiter, the last part runs to the end. [] when there is no delimiter. */
export function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): [number, number][] {
  const view = raw.subarray(start, end);
  const delim = Buffer.from('--' + boundary, 'utf8');
  const out: [number, number][] = [];
  let partStart = -1;
  let pos = 0;
  while (pos < view.length) {
    const i = view.indexOf(delim, pos);
    if (i === -1) break;
    pos = i + 1;
    if (i > 0 && view[i - 1] !== LF) continue;
    let j = i + delim.length;
    const close = view[j] === 0x2d && view[j + 1] === 0x2d;
    if (close) j += 2;
    while (j < view.length && (view[j] === SP || view[j] === HT)) j++;
    if (!close && j < view.length && view[j] !== CR && view[j] !== LF) continue; // "--b2" is not "--b"
    if (partStart !== -1) {
      let e = i;
      if (e > partStart && view[e - 1] === LF) e--;
      if (e > partStart && view[e - 1] === CR) e--;
      out.push([start + partStart, start + e]);
      if (out.length >= MAX_PARTS) return out;
    }
    if (close) return out;
    const nl = view.indexOf(LF, j);
    partStart = nl === -1 ? view.length : nl + 1;
    pos = partStart;
  }
  if (partStart !== -1) out.push([start + partStart, end]);
  return out;
}

/** What cannot be parsed as its type is shown as text/plain, as Dovecot does. */
function asPlainText(raw: Buffer, part: BodyPart): void {
  part.type = 'text';
  part.subtype = 'plain';
  part.params = [];
  part.lines = countLines(raw, part.bodyStart, part.bodyEnd);
}

function multipart(ctx: Ctx, part: BodyPart, depth: number): void {
  const boundary = paramValue(part.params, 'boundary');
  if (boundary === undefined || boundary === '' || depth >= MAX_DEPTH || ctx.parts >= MAX_PARTS) {
    return asPlainText(ctx.raw, part);
  }
  const ranges = splitMultipart(ctx.raw, part.bodyStart, part.bodyEnd, boundary);
  if (ranges.length === 0) return asPlainText(ctx.raw, part);
  const digest = part.subtype === 'digest';
  const children: BodyPart[] = [];
  for (const [s, e] of ranges) {
    if (ctx.parts >= MAX_PARTS) break;
    children.push(parseEntity(ctx, s, e, depth + 1, digest).part);
  }
  part.parts = children;
  part.boundary = boundary;
}

function message(ctx: Ctx, part: BodyPart, depth: number): void {
  // RFC 2046 §5.2.1: only identity encodings are allowed; an encoded message stays opaque
  const enc = part.encoding;
  if (enc !== '7bit' && enc !== '8bit' && enc !== 'binary') return;
  if (depth >= MAX_DEPTH || ctx.parts >= MAX_PARTS) return asPlainText(ctx.raw, part);
  const inner = parseEntity(ctx, part.bodyStart, part.bodyEnd, depth + 1, false);
  part.envelope = buildEnvelope(ctx.raw, inner.header);
  part.message = inner.part;
  part.lines = countLines(ctx.raw, part.bodyStart, part.bodyEnd);
}

/** Parses the entity (header + body) in raw[start, end). */
export function parseEntity(ctx: Ctx, start: number, end: number, depth: number, digest: boolean): Entity {
  const header = scanHeader(ctx.raw, start, end);
  const part = describe(ctx.raw, header, start, end, digest);
  ctx.parts++;
  if (part.type === 'multipart') multipart(ctx, part, depth);
  else if (part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global')) message(ctx, part, depth);
  else if (part.type === 'text') part.lines = countLines(ctx.raw, part.bodyStart, part.bodyEnd);
  return { part, header };
}

export function parseTree(raw: Buffer): Entity {
  return parseEntity({ raw, parts: 0 }, 0, raw.length, 0, false);
}
