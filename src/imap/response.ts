// Writing server responses (RFC 9051 §7, §9 string/astring/nstring/flag-list). A line is
// built as a list of Buffers: short pieces are joined, literal bodies are passed through
// without copying, and take() hands out what is built so far, so a FETCH of a large body can
// be streamed with backpressure (write the chunks, stream the body, continue the line).

import { isUtf8 } from 'node:buffer';
import { ASTRING_CHAR } from './chars.ts';
import { encodeMutf7 } from './mutf7.ts';

export type WriteOptions = {
  /** IMAP4rev2 or UTF8=ACCEPT enabled: UTF-8 may be quoted and mailbox names are UTF-8. */
  utf8?: boolean;
  /** Longer strings are sent as literals even when they could be quoted. */
  maxQuoted?: number;
};

const JOIN_BELOW = 4096; // pieces shorter than this are joined into the text in progress

/** May these bytes be sent as a quoted string? QUOTED-CHAR: 7-bit TEXT-CHAR, or UTF-8 (RFC 9051 §9). */
export function canQuote(bytes: Buffer, utf8: boolean, maxQuoted = 1024): boolean {
  if (bytes.length > maxQuoted) return false;
  let eightBit = false;
  for (const b of bytes) {
    if (b === 0 || b === 0x0d || b === 0x0a) return false;
    if (b >= 0x80) eightBit = true;
  }
  return !eightBit || (utf8 && isUtf8(bytes));
}

/** "…" with quoted-specials escaped; the caller has checked canQuote. */
export const quote = (s: string): string => '"' + s.replace(/[\\"]/g, (ch) => '\\' + ch) + '"';

/** One response line (or the part of one written so far). */
export class ResponseLine {
  readonly #utf8: boolean;
  readonly #maxQuoted: number;
  #chunks: Buffer[] = [];
  #text = '';

  constructor(options: WriteOptions = {}) {
    this.#utf8 = options.utf8 === true;
    this.#maxQuoted = options.maxQuoted ?? 1024;
  }

  /** Protocol text as is (ASCII): keywords, tags, parentheses, spaces. */
  raw(text: string): this {
    this.#text += text;
    return this;
  }

  sp(): this {
    return this.raw(' ');
  }

  number(n: number | bigint): this {
    return this.raw(String(n));
  }

  /** Numbers separated by spaces (SEARCH, ESEARCH). */
  numbers(ns: Iterable<number | bigint>): this {
    return this.raw([...ns].map(String).join(' '));
  }

  /** string = quoted / literal: quoted when safe, else a literal. */
  string(value: string | Buffer): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    // Text is kept as latin1 (one char per byte); UTF-8 sequences never hold a quote or backslash.
    if (canQuote(bytes, this.#utf8, this.#maxQuoted)) return this.raw(quote(bytes.toString('latin1')));
    return this.literal(bytes);
  }

  /** astring = 1*ASTRING-CHAR / string; "NIL" is quoted so no client mistakes it for nil. */
  astring(value: string | Buffer): this {
    const s = typeof value === 'string' ? value : value.toString('latin1');
    const isAtom = s.length > 0 && s.length <= this.#maxQuoted && s.toUpperCase() !== 'NIL' &&
      [...s].every((ch) => ch.length === 1 && ASTRING_CHAR[ch.charCodeAt(0)] === 1);
    return isAtom ? this.raw(s) : this.string(value);
  }

  /** nstring = string / nil */
  nstring(value: string | Buffer | null | undefined): this {
    return value === null || value === undefined ? this.raw('NIL') : this.string(value);
  }

  /** A literal ({n}, or literal8 ~{n} for BINARY); the body is kept as its own chunk. */
  literal(value: string | Buffer, binary = false): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.literalHeader(bytes.length, binary);
    if (bytes.length < JOIN_BELOW) this.#text += bytes.toString('latin1');
    else this.#push(bytes);
    return this;
  }

  /** Only "{n}\r\n": the caller streams the n octets itself after take(). */
  literalHeader(size: number, binary = false): this {
    return this.raw(`${binary ? '~' : ''}{${size}}\r\n`);
  }

  /** A mailbox name as the client expects it: modified UTF-7 unless UTF-8 is enabled. */
  mailbox(name: string): this {
    return this.astring(this.#utf8 ? name : encodeMutf7(name));
  }

  /** flag-list = "(" [flag *(SP flag)] ")" (flags are atoms, system flags with "\"). */
  flags(flags: Iterable<string>): this {
    return this.raw('(' + [...flags].join(' ') + ')');
  }

  /** The chunks built so far, without ending the line. */
  take(): Buffer[] {
    this.#flush();
    const out = this.#chunks;
    this.#chunks = [];
    return out;
  }

  /** What was built so far as latin1 text (one char a byte), when it is all text (no large
   *  literal kept as its own chunk); else null and nothing is taken. */
  takeText(): string | null {
    if (this.#chunks.length > 0) return null;
    const t = this.#text;
    this.#text = '';
    return t;
  }

  /** The rest of the line, CRLF included. */
  end(): Buffer[] {
    this.#text += '\r\n';
    return this.take();
  }

  /** The whole line as one Buffer (for short responses). */
  toBuffer(): Buffer {
    return Buffer.concat(this.end());
  }

  #push(bytes: Buffer): void {
    this.#flush();
    this.#chunks.push(bytes);
  }

  #flush(): void {
    // Every char of #text stands for one byte (latin1), whatever was added.
    if (this.#text !== '') this.#chunks.push(Buffer.from(this.#text, 'latin1'));
    this.#text = '';
  }
}

/** resp-text must not contain CR or LF, and is never empty (RFC 3501 text = 1*TEXT-CHAR). */
const respText = (text: string): string => text.replace(/[\r\n]+/g, ' ').trim() || 'Done';

/** tag SP ("OK" / "NO" / "BAD") SP ["[" resp-text-code "]" SP] text CRLF; tag "*" for untagged. */
export function statusLine(tag: string, status: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH', text: string, code?: string): Buffer {
  const c = code === undefined ? '' : `[${code.replace(/[\r\n\]]/g, '')}] `;
  return Buffer.from(`${tag} ${status} ${c}${respText(text)}\r\n`, 'utf8');
}

/** continue-req = "+" SP (resp-text / base64) CRLF */
export function continuation(text = 'Ready'): Buffer {
  return Buffer.from(`+ ${text.replace(/[\r\n]+/g, ' ')}\r\n`, 'utf8');
}
