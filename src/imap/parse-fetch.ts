// Message commands: FETCH, STORE, COPY/MOVE, UID EXPUNGE.

import { bad, type Cursor } from './cursor.ts';
import type { ArgsOf, ByteRange, CommandName, FetchItem, PartialRange, Section, SectionText, SimpleFetchItem } from './ast.ts';
import { type Ctx, flag, flagList, mailbox, oneOf, sequenceSet } from './parse-common.ts';
import { partialRange } from './parse-search.ts';

type Args<N extends CommandName> = ArgsOf<N>;

const LPAREN = 0x28;

const NAME_CHARS = new Uint8Array(256);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.') NAME_CHARS[ch.charCodeAt(0)] = 1;

const SIMPLE: readonly SimpleFetchItem[] = [
  'ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'BODY', 'BODYSTRUCTURE', 'UID',
  'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'MODSEQ', 'EMAILID', 'THREADID', 'SAVEDATE',
];

// RFC 9051 §6.4.5: the macros, which cannot be combined with other items.
const MACROS = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
} as const;

/**
 * fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
 *         "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]      (RFC 9051 §9, RFC 4466 §2.4)
 */
export function parseFetch(x: Ctx): Args<'FETCH'> {
  const { c } = x;
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  let items: FetchItem[];
  let macro: 'ALL' | 'FAST' | 'FULL' | undefined;
  if (c.peek() === LPAREN) items = c.list(() => fetchItem(c));
  else {
    const word = c.peekKeyword();
    if (word === 'ALL' || word === 'FAST' || word === 'FULL') {
      c.keyword();
      macro = word;
      items = MACROS[word].map((item) => ({ item }));
    } else items = [fetchItem(c)];
  }
  let changedSince: bigint | undefined;
  let vanished = false;
  let partial: PartialRange | undefined;
  if (!c.atEnd()) {
    c.sp();
    c.list(() => {
      const mod = oneOf(c, ['CHANGEDSINCE', 'VANISHED', 'PARTIAL'], 'FETCH modifier');
      if (mod === 'PARTIAL') {
        // RFC 9394: fetch-modifier =/ "PARTIAL" SP partial-range
        if (partial !== undefined) bad('PARTIAL given twice');
        c.sp();
        partial = partialRange(c);
      } else if (mod === 'VANISHED') {
        // RFC 7162 §3.2.6: only in UID FETCH, and only together with CHANGEDSINCE.
        if (!x.uid) bad('VANISHED is only allowed in UID FETCH');
        if (vanished) bad('VANISHED given twice');
        vanished = true;
      } else {
        if (changedSince !== undefined) bad('CHANGEDSINCE given twice');
        c.sp();
        changedSince = c.bigNumber('a mod-sequence');
      }
    });
    if (vanished && changedSince === undefined) bad('VANISHED requires CHANGEDSINCE');
  }
  const args = { set, items, vanished };
  return {
    ...args,
    ...(macro === undefined ? {} : { macro }),
    ...(changedSince === undefined ? {} : { changedSince }),
    ...(partial === undefined ? {} : { partial }),
  };
}

export function fetchItem(c: Cursor): FetchItem {
  const name = c.run(NAME_CHARS).toUpperCase();
  const open = c.peek() === 0x5b; // "["
  switch (name) {
    case 'BODY':
    case 'BODY.PEEK':
      if (!open) break;
      return withPartial(c, { item: 'BODY[]', peek: name === 'BODY.PEEK', section: section(c) });
    case 'BINARY':
    case 'BINARY.PEEK':
      if (!open) return bad(`${name} needs a section`);
      return withPartial(c, { item: 'BINARY[]', peek: name === 'BINARY.PEEK', part: binarySection(c) });
    case 'BINARY.SIZE':
      if (!open) return bad('BINARY.SIZE needs a section');
      return { item: 'BINARY.SIZE', part: binarySection(c) };
    case 'PREVIEW': {
      // RFC 8970 §7: "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"], preview-mod = "LAZY".
      // A "(" after it could also open the FETCH modifiers (CHANGEDSINCE), so look for LAZY.
      if (open || !c.lookingAt(' (LAZY')) return { item: 'PREVIEW', lazy: false };
      c.sp();
      c.list(() => oneOf(c, ['LAZY'], 'PREVIEW modifier'));
      return { item: 'PREVIEW', lazy: true };
    }
  }
  if (open || !(SIMPLE as readonly string[]).includes(name)) {
    return bad(name === '' ? 'Expected a fetch item' : `Unknown fetch item ${name.slice(0, 30)}`);
  }
  return { item: name as SimpleFetchItem };
}

/** section = "[" [section-spec] "]"; section-spec = section-msgtext / (section-part ["." section-text]) */
function section(c: Cursor): Section {
  c.char(0x5b, '[');
  const part: number[] = [];
  let text: SectionText | undefined;
  let fields: string[] | undefined;
  if (!c.maybe(0x5d)) {
    while (isDigit(c.peek())) {
      if (part.length >= c.limits.maxDepth) bad('Section part number too deep');
      part.push(c.nzNumber('a section part number'));
      if (!c.maybe(0x2e)) break;
      if (!isDigit(c.peek())) part.push(-1); // a section-text follows the dot
    }
    if (part.at(-1) === -1 || part.length === 0) {
      if (part.at(-1) === -1) part.pop();
      const word = c.run(NAME_CHARS).toUpperCase();
      // MIME only names the header of a body part, never of the whole message.
      const allowed: readonly string[] = part.length > 0 ? ['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'] : ['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT'];
      if (!allowed.includes(word)) bad(`Invalid section ${word.slice(0, 30)}`);
      text = word as SectionText;
      if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
        c.sp();
        // header-list = "(" header-fld-name *(SP header-fld-name) ")"
        fields = c.list(() => c.astring('a header field name').toString('utf8'), false, 'a header list');
      }
    }
    c.char(0x5d, ']');
  }
  return { part, ...(text === undefined ? {} : { text }), ...(fields === undefined ? {} : { fields }) };
}

/** section-binary = "[" [section-part] "]" */
function binarySection(c: Cursor): number[] {
  c.char(0x5b, '[');
  const part: number[] = [];
  if (!c.maybe(0x5d)) {
    do {
      if (part.length >= c.limits.maxDepth) bad('Section part number too deep');
      part.push(c.nzNumber('a section part number'));
    } while (c.maybe(0x2e));
    c.char(0x5d, ']');
  }
  return part;
}

/** partial = "<" number64 "." nz-number64 ">" */
function withPartial<T extends FetchItem>(c: Cursor, item: T): T {
  if (!c.maybe(0x3c)) return item;
  const offset = c.number64('a partial offset');
  c.char(0x2e, '.');
  const length = c.nzNumber64('a partial length');
  c.char(0x3e, '>');
  const partial: ByteRange = { offset, length };
  return { ...item, partial };
}

const isDigit = (ch: number): boolean => ch >= 0x30 && ch <= 0x39;

const STORE_OPS = new Map<string, 'set' | 'add' | 'remove'>([
  ['FLAGS', 'set'], ['+FLAGS', 'add'], ['-FLAGS', 'remove'],
]);

/**
 * store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags        (RFC 4466 §2.5)
 * store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 */
export function parseStore(x: Ctx): Args<'STORE'> {
  const { c } = x;
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  let unchangedSince: bigint | undefined;
  if (c.peek() === LPAREN) {
    c.list(() => {
      oneOf(c, ['UNCHANGEDSINCE'], 'STORE modifier'); // RFC 7162 §3.1.3
      if (unchangedSince !== undefined) bad('UNCHANGEDSINCE given twice');
      c.sp();
      unchangedSince = c.bigNumber('a mod-sequence');
    });
    c.sp();
  }
  const op = c.atom('+FLAGS, -FLAGS or FLAGS').toUpperCase();
  const silent = op.endsWith('.SILENT');
  const action = STORE_OPS.get(silent ? op.slice(0, -7) : op) ?? bad(`Unknown STORE item ${op.slice(0, 30)}`);
  c.sp();
  let flags: string[];
  if (c.peek() === LPAREN) flags = flagList(c);
  else {
    flags = [flag(c)];
    while (!c.atEnd()) {
      if (flags.length >= c.limits.maxListItems) bad('Too many flags');
      c.sp();
      flags.push(flag(c));
    }
  }
  const args = { set, action, silent, flags };
  return unchangedSince === undefined ? args : { ...args, unchangedSince };
}

/** copy = "COPY" SP sequence-set SP mailbox; move = "MOVE" SP sequence-set SP mailbox (RFC 6851) */
export function parseCopy(x: Ctx): Args<'COPY'> {
  x.c.sp();
  const set = sequenceSet(x.c);
  x.c.sp();
  return { set, mailbox: mailbox(x) };
}

/** EXPUNGE, or uid-expunge = "UID" SP "EXPUNGE" SP sequence-set (RFC 4315 §2.1) */
export function parseExpunge(x: Ctx): Args<'EXPUNGE'> {
  if (!x.uid) return {};
  x.c.sp();
  return { set: sequenceSet(x.c) };
}
