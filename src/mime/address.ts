// RFC 5322 §3.4 address lists to IMAP ENVELOPE addresses (RFC 3501 §7.4.2): phrase and local-part
// unquoted, route kept as adl, groups as start/end markers. Tolerant like a mail reader: a bare
// word becomes a mailbox with a placeholder domain, an unclosed group or angle bracket is closed
// at the end, a comment stands in for a missing display name.
import type { ImapAddress } from './types.ts';
import { skipComment } from './header-params.ts';

// Dovecot's placeholders, so clients that know them show the same thing.
export const MISSING_MAILBOX = 'MISSING_MAILBOX';
export const MISSING_DOMAIN = 'MISSING_DOMAIN';

type Tok = {
  /** 'a' atom, 'q' quoted-string, 'l' domain-literal, or the special character itself. */
  k: string;
  t: string;
  /** Whitespace or a comment came before it (to rebuild phrases with single spaces). */
  ws: boolean;
};

const SPECIALS = '<>:;@,.';

function tokenize(s: string, comments: (string | null)[]): Tok[] {
  const toks: Tok[] = [];
  let ws = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      ws = true;
      i++;
    } else if (c === '(') {
      const e = skipComment(s, i);
      // the comment, recorded at the token index it follows, may stand in for a name
      if (comments[toks.length] == null) comments[toks.length] = s.slice(i + 1, e - 1).replace(/\\(.)/g, '$1').trim();
      i = e;
      ws = true;
    } else if (c === '"') {
      let t = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        t += s[i++];
      }
      i++;
      toks.push({ k: 'q', t, ws });
      ws = false;
    } else if (c === '[') {
      const e = s.indexOf(']', i);
      const end = e === -1 ? s.length : e + 1;
      toks.push({ k: 'l', t: s.slice(i, end), ws });
      i = end;
      ws = false;
    } else if (SPECIALS.includes(c)) {
      toks.push({ k: c, t: c, ws });
      i++;
      ws = false;
    } else {
      let j = i;
      while (j < s.length && !' \t\r\n()"[<>:;@,.'.includes(s[j])) j++;
      if (j === i) j++; // a lone ']' or similar: keep it as text
      toks.push({ k: 'a', t: s.slice(i, j), ws });
      i = j;
      ws = false;
    }
  }
  return toks;
}

/** A phrase (display name, group name): words joined by one space where the source had space. */
function phrase(toks: Tok[]): string | null {
  let out = '';
  for (const t of toks) out += (out !== '' && t.ws ? ' ' : '') + t.t;
  return out === '' ? null : out;
}

/** Joins local-part or domain tokens without the whitespace obsolete syntax allows in them. */
function joined(toks: Tok[]): string {
  let out = '';
  for (const t of toks) out += t.t;
  return out;
}

function lastAt(toks: Tok[]): number {
  for (let i = toks.length - 1; i >= 0; i--) if (toks[i].k === '@') return i;
  return -1;
}

function addrSpec(toks: Tok[], name: string | null, adl: string | null): ImapAddress {
  const at = lastAt(toks);
  const local = at === -1 ? joined(toks) : joined(toks.slice(0, at));
  const domain = at === -1 ? '' : joined(toks.slice(at + 1));
  return { name, adl, mailbox: local === '' ? MISSING_MAILBOX : local, host: domain === '' ? MISSING_DOMAIN : domain };
}

/** `[@route,@route:]addr-spec` inside angle brackets (RFC 5322 §4.4 obs-route). */
function angle(toks: Tok[], name: string | null): ImapAddress {
  if (toks.length === 0) return { name, adl: null, mailbox: '', host: '' }; // "<>", the null path
  let colon = -1;
  if (toks[0].k === '@') for (let i = 0; i < toks.length && colon === -1; i++) if (toks[i].k === ':') colon = i;
  if (colon === -1) return addrSpec(toks, name, null);
  return addrSpec(toks.slice(colon + 1), name, joined(toks.slice(0, colon)));
}

function commentIn(comments: (string | null)[], from: number, to: number): string | null {
  for (let i = from; i <= to && i < comments.length; i++) {
    const c = comments[i];
    if (c != null && c !== '') return c;
  }
  return null;
}

/** Parses an address-list header value (already unfolded). Never throws; [] when empty. */
export function parseAddressList(value: string): ImapAddress[] {
  const comments: (string | null)[] = [];
  const toks = tokenize(value, comments);
  const out: ImapAddress[] = [];
  let inGroup = false;
  let start = 0; // first token of the current address
  let i = 0;
  const flush = (end: number): void => {
    const part = toks.slice(start, end);
    if (part.length > 0) {
      const name = commentIn(comments, start + 1, end);
      out.push(addrSpec(part, name, null));
    }
  };
  while (i < toks.length) {
    const t = toks[i];
    if (t.k === '<') {
      const name = phrase(toks.slice(start, i));
      let j = i + 1;
      while (j < toks.length && toks[j].k !== '>') j++;
      const addr = angle(toks.slice(i + 1, j), name);
      if (addr.name === null) addr.name = commentIn(comments, start, j + 1);
      out.push(addr);
      // anything between '>' and the next separator is junk
      while (j < toks.length && toks[j].k !== ',' && !(inGroup && toks[j].k === ';')) j++;
      i = j;
      start = j;
      continue;
    }
    if (t.k === ':' && !inGroup) {
      out.push({ name: null, adl: null, mailbox: phrase(toks.slice(start, i)) ?? '', host: null });
      inGroup = true;
      start = i + 1;
    } else if (t.k === ';' && inGroup) {
      flush(i);
      out.push({ name: null, adl: null, mailbox: null, host: null });
      inGroup = false;
      start = i + 1;
    } else if (t.k === ',') {
      flush(i);
      start = i + 1;
    } else if (t.k === ';' || t.k === '>') {
      flush(i); // a stray separator outside a group
      start = i + 1;
    }
    i++;
  }
  flush(toks.length);
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out;
}
