// Token-level reading of one framed command (RFC 9051 §4 data formats, §9 grammar). Every
// primitive either consumes exactly its production or throws Bad, which parseCommand turns
// into a tagged BAD; nothing here is lenient about spaces (§9 note 2: SP is exactly one space).

import { isUtf8 } from 'node:buffer';
import { ASTRING_CHAR, ATOM_CHAR, BACKSLASH, DQUOTE, SP } from './chars.ts';
import type { FramedCommand, LiteralPart } from './reader.ts';
import type { Limits } from './limits.ts';

export class Bad extends Error {
  readonly code: string | undefined;
  readonly status: 'BAD' | 'NO';
  /** A SEARCH RETURN (SAVE) refused with NO empties the saved result (RFC 5182 §2.1). */
  resetSaved = false;
  constructor(text: string, code?: string, status: 'BAD' | 'NO' = 'BAD') {
    super(text);
    this.code = code;
    this.status = status;
  }
}

export const bad = (text: string, code?: string, status?: 'BAD' | 'NO'): never => {
  throw new Bad(text, code, status);
};

/** -1: end of the command; -2: a literal comes next. */
export const END = -1;
export const LITERAL = -2;

const MAX_U32 = 0xffff_ffff;
const MAX_63 = 0x7fff_ffff_ffff_ffffn;

export class Cursor {
  readonly limits: Limits;
  readonly #parts: FramedCommand['parts'];
  #i = 0;
  #pos = 0;
  #depth = 0;

  constructor(command: FramedCommand, limits: Limits) {
    this.#parts = command.parts;
    this.limits = limits;
  }

  peek(): number {
    const part = this.#parts[this.#i];
    if (part.kind === 'literal') return LITERAL;
    if (this.#pos < part.data.length) return part.data[this.#pos];
    return this.#i + 1 < this.#parts.length ? LITERAL : END;
  }

  /** The text byte `ahead` bytes after the next one (END past the text part). */
  peekAhead(ahead: number): number {
    const part = this.#parts[this.#i];
    if (part.kind === 'literal') return END;
    return this.#pos + ahead < part.data.length ? part.data[this.#pos + ahead] : END;
  }

  /** Consume one byte of text (the caller has peeked it). */
  skip(): void {
    this.#pos++;
  }

  atEnd(): boolean {
    return this.peek() === END;
  }

  end(): void {
    if (!this.atEnd()) bad(this.peek() === SP ? 'Unexpected extra arguments' : 'Unexpected characters at end of command');
  }

  char(c: number, what: string): void {
    if (this.peek() !== c) bad(`Expected ${what}`);
    this.#pos++;
  }

  sp(): void {
    this.char(SP, 'a space');
  }

  /** Consume `c` if it is next. */
  maybe(c: number): boolean {
    if (this.peek() !== c) return false;
    this.#pos++;
    return true;
  }

  /** A run of bytes from `table`, as latin1 text (empty if none). */
  run(table: Uint8Array): string {
    const part = this.#parts[this.#i];
    if (part.kind === 'literal') return '';
    const start = this.#pos;
    while (this.#pos < part.data.length && table[part.data[this.#pos]] === 1) this.#pos++;
    return part.data.toString('latin1', start, this.#pos);
  }

  atom(what = 'an atom'): string {
    const s = this.run(ATOM_CHAR);
    if (s === '') bad(`Expected ${what}`);
    return s;
  }

  /** An atom compared case-insensitively: the keywords of the grammar. */
  keyword(what = 'a keyword'): string {
    return this.atom(what).toUpperCase();
  }

  /** Whether the text ahead starts with `text` (ASCII, case-insensitive); consumes nothing. */
  lookingAt(text: string): boolean {
    const part = this.#parts[this.#i];
    if (part.kind !== 'text' || this.#pos + text.length > part.data.length) return false;
    return part.data.toString('latin1', this.#pos, this.#pos + text.length).toUpperCase() === text.toUpperCase();
  }

  /** Peek at the upper-cased atom ahead without consuming it. */
  peekKeyword(): string {
    const at = this.#pos;
    const s = this.run(ATOM_CHAR);
    this.#pos = at;
    return s.toUpperCase();
  }

  literal(binaryAllowed = false): LiteralPart {
    if (this.peek() !== LITERAL) bad('Expected a literal');
    const lit = this.#parts[this.#i + 1] as LiteralPart;
    if (lit.binary && !binaryAllowed) bad('literal8 (~{n}) is not allowed here');
    // CHAR8 = %x01-ff: only literal8 may carry NUL (RFC 9051 §4.3, RFC 3516).
    if (!lit.binary && lit.data.includes(0)) bad('NUL in a literal; use literal8 (BINARY)');
    this.#i += 2;
    this.#pos = 0;
    return lit;
  }

  quoted(): Buffer {
    this.char(DQUOTE, 'a quoted string');
    const part = this.#parts[this.#i];
    const data = part.data;
    const out: number[] = [];
    let eightBit = false;
    while (this.#pos < data.length) {
      let c = data[this.#pos++];
      if (c === DQUOTE) {
        const buf = Buffer.from(out);
        // QUOTED-CHAR admits UTF8-2/3/4 (RFC 9051), never bytes that are not UTF-8.
        if (eightBit && !isUtf8(buf)) bad('Invalid UTF-8 in quoted string');
        return buf;
      }
      if (c === BACKSLASH) {
        c = data[this.#pos++];
        if (c !== DQUOTE && c !== BACKSLASH) bad('Invalid escape in quoted string');
      } else if (c === 0 || c === 0x0d) bad('NUL or CR in quoted string');
      if (c >= 0x80) eightBit = true;
      out.push(c);
    }
    return bad('Unterminated quoted string');
  }

  /** string = quoted / literal */
  string(what = 'a string'): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.quoted();
    if (c === LITERAL) return this.literal().data;
    return bad(`Expected ${what}`);
  }

  /** astring = 1*ASTRING-CHAR / string */
  astring(what = 'a string'): Buffer {
    const c = this.peek();
    if (c === DQUOTE || c === LITERAL) return this.string(what);
    const s = this.run(ASTRING_CHAR);
    if (s === '') bad(`Expected ${what}`);
    return Buffer.from(s, 'latin1');
  }

  astringText(what?: string): string {
    return this.astring(what).toString('utf8');
  }

  /** nstring = string / "NIL" */
  nstring(what?: string): Buffer | null {
    const c = this.peek();
    if (c === DQUOTE || c === LITERAL) return this.string(what);
    if (this.keyword(what) !== 'NIL') bad(`Expected ${what ?? 'a string'} or NIL`);
    return null;
  }

  digits(what: string): string {
    const part = this.#parts[this.#i];
    const start = this.#pos;
    while (part.kind === 'text' && this.#pos < part.data.length && part.data[this.#pos] >= 0x30 && part.data[this.#pos] <= 0x39) {
      this.#pos++;
    }
    if (start === this.#pos) bad(`Expected ${what}`);
    return part.data.toString('latin1', start, this.#pos);
  }

  /** number: unsigned 32-bit. */
  number(what = 'a number'): number {
    const s = this.digits(what);
    if (s.replace(/^0+(?=.)/, '').length > 10 || Number(s) > MAX_U32) bad(`${what} out of range`);
    return Number(s);
  }

  /** nz-number: 1 .. 2^32-1, no leading zero. */
  nzNumber(what = 'a non-zero number'): number {
    const s = this.digits(what);
    if (s[0] === '0') bad(`Expected ${what}`);
    if (s.length > 10 || Number(s) > MAX_U32) bad(`${what} out of range`);
    return Number(s);
  }

  /** number64 as a bigint: 0 .. 2^63-1 (mod-sequences need every bit). */
  bigNumber(what = 'a number'): bigint {
    const s = this.digits(what);
    if (s.replace(/^0+(?=.)/, '').length > 19 || BigInt(s) > MAX_63) bad(`${what} out of range`);
    return BigInt(s);
  }

  /** nz-number64 (partial lengths): no leading zero. */
  nzNumber64(what = 'a non-zero number'): number {
    const at = this.#pos;
    const n = this.number64(what);
    const part = this.#parts[this.#i];
    if (part.kind === 'text' && part.data[at] === 0x30) bad(`Expected ${what}`);
    return n;
  }

  /** number64 for sizes and offsets; above 2^53 precision is irrelevant there. */
  number64(what = 'a number'): number {
    return Number(this.bigNumber(what));
  }

  /** "(" item *(SP item) ")"; with allowEmpty also "()". */
  list<T>(item: () => T, allowEmpty = false, what = 'a parenthesised list'): T[] {
    this.char(0x28, what);
    const items: T[] = [];
    this.nest(() => {
      if (allowEmpty && this.maybe(0x29)) return;
      for (;;) {
        if (items.length >= this.limits.maxListItems) bad(`Too many items in a list (at most ${this.limits.maxListItems})`);
        items.push(item());
        if (this.maybe(0x29)) return;
        this.sp();
      }
    });
    return items;
  }

  /** Run `fn` one nesting level deeper (lists, SEARCH keys), within Limits.maxDepth. */
  nest<T>(fn: () => T): T {
    if (++this.#depth > this.limits.maxDepth) bad(`Nesting too deep (at most ${this.limits.maxDepth})`);
    try {
      return fn();
    } finally {
      this.#depth--;
    }
  }
}
