// Structured MIME header values: `value *(";" attribute "=" value)` for Content-Type
// (RFC 2045 §5.1) and Content-Disposition (RFC 2183 §2), with RFC 2231 continuations and
// charset/language encoding. Tolerant of the usual breakage: missing quotes, spaces in
// unquoted values, unescaped backslashes in Windows paths, stray semicolons, comments.
import type { BodyParam } from './types.ts';
import { decodeBytes } from './charset.ts';

export type Structured = { value: string; params: BodyParam[] };

/** Index after a comment starting at text[i] === '(' (nested, with quoted-pairs), RFC 5322 §3.2.2. */
export function skipComment(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return i + 1;
  }
  return text.length;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Drops comments and whitespace: "text/plain (old)" → "text/plain". */
function stripCfws(s: string): string {
  if (s.indexOf('(') === -1) return s.replace(/\s+/g, '');
  let out = '';
  for (let i = 0; i < s.length; ) {
    if (s[i] === '(') i = skipComment(s, i);
    else {
      if (!isWs(s.charCodeAt(i))) out += s[i];
      i++;
    }
  }
  return out;
}

type Raw = { name: string; value: string };

function readParams(text: string, i: number): Raw[] {
  const out: Raw[] = [];
  while (i < text.length) {
    // name: up to '=' or ';'
    let j = i;
    while (j < text.length && text[j] !== '=' && text[j] !== ';') j++;
    const name = stripCfws(text.slice(i, j)).toLowerCase();
    if (j >= text.length || text[j] === ';') {
      i = j + 1; // a name without a value is dropped
      continue;
    }
    j++;
    while (j < text.length && isWs(text.charCodeAt(j))) j++;
    let value = '';
    if (text[j] === '"') {
      // quoted-string; a backslash escapes only '"' and '\', so "C:\dir\file" survives
      j++;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        value += text[j];
        j++;
      }
      while (j < text.length && text[j] !== ';') j++;
    } else {
      const k = text.indexOf(';', j);
      const e = k === -1 ? text.length : k;
      value = text.slice(j, e).trim();
      // "us-ascii (Plain text)" (RFC 2045 §5.1) is a comment, "Invoice(1).pdf" is not
      const c = value.search(/\s\(/);
      if (c !== -1) value = value.slice(0, c);
      j = e;
    }
    if (name !== '') out.push({ name, value });
    i = j + 1;
  }
  return out;
}

function percentBytes(s: string, into: number[]): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      into.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) into.push(c);
    else for (const b of Buffer.from(s[i], 'utf8')) into.push(b);
  }
}

type Ext = { plain?: string; seen: Set<number>; segs: { n: number; value: string; encoded: boolean }[] };

/** RFC 2231 §3-4: `name*0*=utf-8''%E2%82%AC; name*1=" rest"` → one decoded value. The extended
 *  form wins over a plain `name=` fallback, as the RFC intends for readers that understand it. */
function combine(raw: Raw[]): BodyParam[] {
  const byName = new Map<string, Ext>();
  for (const p of raw) {
    const m = /^([^*]+)(?:\*(\d{1,4}))?(\*)?$/.exec(p.name);
    const base = m === null ? p.name : m[1];
    let e = byName.get(base);
    if (e === undefined) {
      e = { seen: new Set(), segs: [] };
      byName.set(base, e);
    }
    if (m === null || (m[2] === undefined && m[3] === undefined)) {
      if (e.plain === undefined) e.plain = p.value;
    } else {
      const n = m[2] === undefined ? 0 : Number(m[2]);
      if (!e.seen.has(n)) {
        e.seen.add(n);
        e.segs.push({ n, value: p.value, encoded: m[3] !== undefined });
      }
    }
  }
  const out: BodyParam[] = [];
  for (const [name, e] of byName) {
    if (e.segs.length === 0) {
      out.push([name, e.plain ?? '']);
      continue;
    }
    e.segs.sort((a, b) => a.n - b.n);
    let charset: string | undefined;
    const bytes: number[] = [];
    e.segs.forEach((s, k) => {
      let v = s.value;
      if (k === 0 && s.encoded) {
        const q1 = v.indexOf("'");
        const q2 = q1 === -1 ? -1 : v.indexOf("'", q1 + 1);
        if (q2 !== -1) {
          charset = v.slice(0, q1) || undefined;
          v = v.slice(q2 + 1);
        }
      }
      if (s.encoded) percentBytes(v, bytes);
      else for (const b of Buffer.from(v, 'utf8')) bytes.push(b);
    });
    out.push([name, decodeBytes(Buffer.from(bytes), charset)]);
  }
  return out;
}

/** Parses `value; a=b; c="d"`: value lowercased with comments and whitespace removed, params in
 *  header order with lowercase names. Never throws. */
export function parseStructured(text: string): Structured {
  let i = 0;
  let inQuote = false;
  // the value ends at the first ';' outside a comment
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '(' && !inQuote) i = skipComment(text, i) - 1;
    else if (c === '"') inQuote = !inQuote;
    else if (c === ';' && !inQuote) break;
  }
  const value = stripCfws(text.slice(0, i)).replace(/"/g, '').toLowerCase();
  return { value, params: i < text.length ? combine(readParams(text, i + 1)) : [] };
}

/** The value of a parameter, or undefined. */
export function paramValue(params: BodyParam[], name: string): string | undefined {
  for (const [k, v] of params) if (k === name) return v;
  return undefined;
}
