// SEARCH (RFC 9051 §6.4.4 and §9 search-key; RFC 3501 keys NEW/OLD/RECENT; RFC 4731 and
// RFC 5182 RETURN options; RFC 7162 MODSEQ; RFC 8474 EMAILID/THREADID; RFC 8514 SAVEDATE).

import { DQUOTE } from './chars.ts';
import { bad, type Cursor } from './cursor.ts';
import type { Command, SearchKey, SearchReturn } from './ast.ts';
import { type Ctx, oneOf, searchDate, sequenceSet } from './parse-common.ts';

type Args = Extract<Command, { name: 'SEARCH' }>['args'];

const FLAG_KEYS = new Set([
  'ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'SEEN', 'UNANSWERED', 'UNDELETED', 'UNDRAFT',
  'UNFLAGGED', 'UNSEEN', 'NEW', 'OLD', 'RECENT', 'SAVEDATESUPPORTED',
]);
const STRING_KEYS = new Set(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO']);
const DATE_KEYS = new Set(['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE', 'SAVEDBEFORE', 'SAVEDON', 'SAVEDSINCE']);
const OTHER_KEYS = new Set(['HEADER', 'KEYWORD', 'UNKEYWORD', 'LARGER', 'SMALLER', 'UID', 'NOT', 'OR', 'MODSEQ', 'EMAILID', 'THREADID']);
const RETURN_OPTS: readonly SearchReturn[] = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE'];
const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** search = "SEARCH" [search-return-opts] SP search-program */
export function parseSearch(x: Ctx): Args {
  const { c } = x;
  c.sp();
  let ret: SearchReturn[] | undefined;
  if (c.peekKeyword() === 'RETURN') {
    c.keyword();
    c.sp();
    ret = [...new Set(c.list(() => oneOf(c, RETURN_OPTS, 'SEARCH return option'), true))];
    c.sp();
  }
  // search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
  let charset: string | undefined;
  if (c.peekKeyword() === 'CHARSET') {
    c.keyword();
    c.sp();
    charset = c.astring('a charset').toString('latin1');
    c.sp();
  }
  const keys = new KeyReader(c, decoderFor(charset));
  const criteria = [keys.key()];
  while (!c.atEnd()) {
    c.sp();
    criteria.push(keys.key());
  }
  return { ...(charset === undefined ? {} : { charset }), ...(ret === undefined ? {} : { return: ret }), criteria };
}

/** Search strings are in the command's CHARSET; one we cannot decode is a NO [BADCHARSET] (§6.4.4). */
function decoderFor(charset: string | undefined): (b: Buffer) => string {
  const label = charset?.toUpperCase() ?? 'UTF-8';
  if (label === 'UTF-8' || label === 'US-ASCII') return (b) => b.toString('utf8');
  try {
    const decoder = new TextDecoder(label);
    return (b) => decoder.decode(b);
  } catch {
    return bad(`Unsupported charset ${label.slice(0, 40)}`, 'BADCHARSET (US-ASCII UTF-8)', 'NO');
  }
}

class KeyReader {
  readonly #c: Cursor;
  readonly #decode: (b: Buffer) => string;
  #count = 0;

  constructor(c: Cursor, decode: (b: Buffer) => string) {
    this.#c = c;
    this.#decode = decode;
  }

  key(): SearchKey {
    const c = this.#c;
    if (++this.#count > c.limits.maxSearchKeys) bad(`Too many search keys (at most ${c.limits.maxSearchKeys})`);
    const first = c.peek();
    if (first === 0x28) return { key: 'AND', operands: c.list(() => this.key()) };
    if ((first >= 0x30 && first <= 0x39) || first === 0x2a || first === 0x24) return { key: 'SEQ', set: sequenceSet(c) };
    const key = c.keyword('a search key');
    if (FLAG_KEYS.has(key)) return { key } as SearchKey;
    if (!STRING_KEYS.has(key) && !DATE_KEYS.has(key) && !OTHER_KEYS.has(key)) bad(`Unknown search key ${key.slice(0, 30)}`);
    c.sp();
    if (STRING_KEYS.has(key)) return { key, value: this.#string() } as SearchKey;
    if (DATE_KEYS.has(key)) return { key, date: searchDate(c) } as SearchKey;
    switch (key) {
      case 'HEADER': {
        const field = c.astring('a header field name').toString('utf8');
        c.sp();
        return { key, field, value: this.#string() };
      }
      case 'KEYWORD':
      case 'UNKEYWORD':
        return { key, flag: c.atom('a keyword') }; // flag-keyword = atom
      case 'LARGER':
      case 'SMALLER':
        return { key, size: c.number64('a size') };
      case 'UID':
        return { key, set: sequenceSet(c) };
      case 'NOT':
        return { key, operand: c.nest(() => this.key()) };
      case 'OR': {
        const left = c.nest(() => this.key());
        c.sp();
        return { key, left, right: c.nest(() => this.key()) };
      }
      case 'MODSEQ':
        return this.#modseq();
      case 'EMAILID':
      case 'THREADID': {
        const id = c.atom('an object id');
        if (!OBJECT_ID.test(id)) bad('Invalid object id');
        return { key, id };
      }
    }
    return bad(`Unknown search key ${key.slice(0, 30)}`);
  }

  #string(): string {
    return this.#decode(this.#c.astring('a search string'));
  }

  /** search-modsequence = "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer (RFC 7162 §7) */
  #modseq(): SearchKey {
    const c = this.#c;
    if (c.peek() !== DQUOTE) return { key: 'MODSEQ', modseq: c.bigNumber('a mod-sequence') };
    const name = c.quoted().toString('utf8');
    if (!/^\/flags\/\\?[^\\\s]+$/i.test(name)) bad('Invalid MODSEQ entry name');
    c.sp();
    const type = oneOf(c, ['PRIV', 'SHARED', 'ALL'], 'MODSEQ entry type').toLowerCase() as 'priv' | 'shared' | 'all';
    c.sp();
    return { key: 'MODSEQ', modseq: c.bigNumber('a mod-sequence'), entry: { name, type } };
  }
}
