// SEARCH (RFC 9051 §6.4.4 and §9 search-key; RFC 3501 keys NEW/OLD/RECENT; RFC 4731 and
// RFC 5182 RETURN options; RFC 7162 MODSEQ; RFC 8474 EMAILID/THREADID; RFC 8514 SAVEDATE;
// RFC 5032 OLDER/YOUNGER; RFC 9394 PARTIAL), and SORT/THREAD (RFC 5256, RFC 5267 ESORT)
// which share its criteria.

import { DQUOTE } from './chars.ts';
import { Bad, bad, type Cursor } from './cursor.ts';
import type { Command, PartialRange, SearchKey, SearchReturn, SortKeyName } from './ast.ts';
import { type Ctx, oneOf, searchDate, sequenceSet } from './parse-common.ts';

type Args = Extract<Command, { name: 'SEARCH' }>['args'];
type SortArgs = Extract<Command, { name: 'SORT' }>['args'];
type ThreadArgs = Extract<Command, { name: 'THREAD' }>['args'];

const FLAG_KEYS = new Set([
  'ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'SEEN', 'UNANSWERED', 'UNDELETED', 'UNDRAFT',
  'UNFLAGGED', 'UNSEEN', 'NEW', 'OLD', 'RECENT', 'SAVEDATESUPPORTED',
]);
const STRING_KEYS = new Set(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO']);
const DATE_KEYS = new Set(['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE', 'SAVEDBEFORE', 'SAVEDON', 'SAVEDSINCE']);
const OTHER_KEYS = new Set(['HEADER', 'KEYWORD', 'UNKEYWORD', 'LARGER', 'SMALLER', 'UID', 'NOT', 'OR', 'MODSEQ', 'EMAILID', 'THREADID', 'OLDER', 'YOUNGER']);
const RETURN_OPTS: readonly (SearchReturn | 'PARTIAL')[] = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'CONTEXT', 'UPDATE', 'PARTIAL'];
const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;
const SORT_KEYS: readonly SortKeyName[] = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'];

/** search = "SEARCH" [search-return-opts] SP search-program */
export function parseSearch(x: Ctx): Args {
  const { c } = x;
  c.sp();
  const opts = returnOpts(c);
  return { ...opts, ...savingProgram(c, false, opts.return) };
}

/** searchProgram; a NO from it (BADCHARSET) after RETURN (SAVE) also empties "$". */
function savingProgram(c: Cursor, charsetFirst: boolean, ret: readonly SearchReturn[] | undefined): ReturnType<typeof searchProgram> {
  try {
    return searchProgram(c, charsetFirst);
  } catch (e) {
    if (e instanceof Bad && e.status === 'NO' && ret?.includes('SAVE') === true) e.resetSaved = true;
    throw e;
  }
}

/**
 * sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria
 * (RFC 5256 §5, RFC 5267 §5 extended-sort); sort-criterion = ["REVERSE" SP] sort-key
 */
export function parseSort(x: Ctx): SortArgs {
  const { c } = x;
  c.sp();
  const opts = returnOpts(c);
  const order = c.list(() => {
    let reverse = false;
    if (c.peekKeyword() === 'REVERSE') {
      c.keyword();
      c.sp();
      reverse = true;
    }
    return { key: oneOf(c, SORT_KEYS, 'sort key'), reverse };
  });
  c.sp();
  const program = savingProgram(c, true, opts.return);
  return { ...opts, ...program, charset: program.charset!, order };
}

/** command-select =/ "CANCELUPDATE" 1*(SP quoted) (RFC 5267 §5) */
export function parseCancelUpdate(x: Ctx): Extract<Command, { name: 'CANCELUPDATE' }>['args'] {
  const { c } = x;
  const tags: string[] = [];
  do {
    if (tags.length >= c.limits.maxListItems) bad('Too many tags');
    c.sp();
    tags.push(c.quoted().toString('latin1'));
  } while (!c.atEnd());
  return { tags };
}

/** thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria (RFC 5256 §5) */
export function parseThread(x: Ctx): ThreadArgs {
  const { c } = x;
  c.sp();
  const algorithm = c.keyword('a threading algorithm');
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') bad(`Unsupported threading algorithm ${algorithm.slice(0, 30)}`);
  c.sp();
  const program = searchProgram(c, true);
  return { algorithm: algorithm as ThreadArgs['algorithm'], charset: program.charset!, criteria: program.criteria };
}

/**
 * [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"], then the SP before
 * what follows. RFC 4731, RFC 5182 SAVE, RFC 9394 PARTIAL (RFC 5267 §4.4: at most one of
 * PARTIAL and ALL).
 */
function returnOpts(c: Cursor): { return?: SearchReturn[]; partial?: PartialRange } {
  if (c.peekKeyword() !== 'RETURN') return {};
  c.keyword();
  c.sp();
  let partial: PartialRange | undefined;
  const ret: SearchReturn[] = [];
  c.list(() => {
    const opt = oneOf(c, RETURN_OPTS, 'SEARCH return option');
    if (opt !== 'PARTIAL') {
      if (!ret.includes(opt)) ret.push(opt);
      return;
    }
    if (partial !== undefined) bad('PARTIAL given twice');
    c.sp();
    partial = partialRange(c);
  }, true);
  if (partial !== undefined && ret.includes('ALL')) bad('PARTIAL and ALL cannot be combined');
  c.sp();
  return { return: ret, ...(partial === undefined ? {} : { partial }) };
}

/** partial-range = partial-range-first / partial-range-last: "1:100" or "-1:-100" (RFC 9394 §4). */
export function partialRange(c: Cursor): PartialRange {
  const negative = c.maybe(0x2d);
  const first = c.nzNumber('a partial range');
  c.char(0x3a, ':');
  if (negative) c.char(0x2d, '-');
  else if (c.peek() === 0x2d) bad('Both ends of a partial range have the same sign');
  const last = c.nzNumber('a partial range');
  return negative ? { first: -first, last: -last } : { first, last };
}

/** search-program = ["CHARSET" SP charset SP] search-key *(SP search-key); SORT and THREAD
 *  have search-criteria = charset 1*(SP search-key) instead (RFC 5256 §5). */
function searchProgram(c: Cursor, charsetFirst: boolean): { charset?: string; criteria: SearchKey[] } {
  let charset: string | undefined;
  if (charsetFirst) {
    charset = c.astring('a charset').toString('latin1');
    c.sp();
  } else if (c.peekKeyword() === 'CHARSET') {
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
  return { ...(charset === undefined ? {} : { charset }), criteria };
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
      case 'OLDER':
      case 'YOUNGER': // RFC 5032 §3: interval = nz-number (seconds)
        return { key, seconds: c.nzNumber('an interval in seconds') };
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
