// The part of a SEARCH that needs the message file (RFC 9051 §6.4.4): HEADER <field> <string>,
// and TEXT/BODY where the full-text index cannot answer (strings under 3 characters). Matching is a case-insensitive substring test on the
// decoded text and on the raw text, as a client cannot know which form the server keeps.
import { parseMessage } from '../../mime/parse-message.ts';
import { textPartsMatch } from '../../mime/body-text.ts';
import { scanHeader } from '../../mime/header-block.ts';
import type { HeaderBlock } from '../../mime/header-block.ts';
import { headerText } from '../../mime/bytes.ts';
import { unfold } from '../../mime/header-block.ts';
import { decodeWords } from '../../mime/charset.ts';
import { fold } from './fold.ts';

export { fold };

export type FileRow = { id: number; file: string; data_offset: number };

const contains = (haystack: string, foldedNeedle: string): boolean => fold(haystack).includes(foldedNeedle);

/** One message's file, read at most once, and what is derived from it. */
export class RowFile {
  readonly #row: FileRow;
  readonly #read: (row: FileRow) => Promise<Buffer>;
  #file: Promise<Buffer> | null = null;
  #header: { raw: Buffer; block: HeaderBlock } | null = null;
  #parsed: { headerText: string; text: string } | null = null;

  constructor(row: FileRow, read: (row: FileRow) => Promise<Buffer>) {
    this.#row = row;
    this.#read = read;
  }

  get id(): number {
    return this.#row.id;
  }

  #load(): Promise<Buffer> {
    return (this.#file ??= this.#read(this.#row));
  }

  /** The file's header, the per-recipient prefix lines included (they are what BODY[HEADER] shows). */
  async #headerBlock(): Promise<{ raw: Buffer; block: HeaderBlock }> {
    if (this.#header === null) {
      const raw = await this.#load();
      this.#header = { raw, block: scanHeader(raw, 0, raw.length) };
    }
    return this.#header;
  }

  /** HEADER field value: a field of that name whose value contains value; '' asks only that it exists. */
  async headerField(field: string, value: string): Promise<boolean> {
    const { raw, block } = await this.#headerBlock();
    const name = field.toLowerCase();
    const needle = fold(value);
    for (const f of block.fields) {
      if (f.name !== name) continue;
      if (needle === '') return true;
      const text = unfold(headerText(raw, f.valueStart, f.valueEnd));
      if (contains(text, needle) || contains(decodeWords(text), needle)) return true;
    }
    return false;
  }

  /** Some header field (name or value, raw or RFC 2047-decoded) contains value. */
  async headerContains(value: string): Promise<boolean> {
    const { raw, block } = await this.#headerBlock();
    const needle = fold(value);
    const text = headerText(raw, 0, block.bodyStart);
    if (contains(text, needle)) return true;
    // a string may span a folded line break; encoded words are matched decoded too
    const unfolded = text.replace(/\r?\n(?=[ \t])/g, '');
    if (unfolded !== text && contains(unfolded, needle)) return true;
    return unfolded.includes('=?') && contains(decodeWords(unfolded), needle);
  }

  /** The message parsed, without the per-recipient prefix: what the full-text index holds. */
  async #parse(): Promise<{ headerText: string; text: string }> {
    if (this.#parsed === null) {
      const raw = await this.#load();
      const { headerText, text } = parseMessage(raw.subarray(Math.min(raw.length, this.#row.data_offset)));
      this.#parsed = { headerText, text };
    }
    return this.#parsed;
  }

  /** The decoded text of the body (the text/* parts, HTML without tags) contains value. */
  async bodyContains(value: string): Promise<boolean> {
    return contains((await this.#parse()).text, fold(value));
  }

  /** TEXT: the header, the MIME parts' and enclosed messages' headers, or the body text. */
  async textContains(value: string): Promise<boolean> {
    if (await this.headerContains(value)) return true;
    const { headerText, text } = await this.#parse();
    const needle = fold(value);
    return contains(headerText, needle) || contains(text, needle);
  }

  /** bodyContains over every text part whole, past the cap of the text kept for the index (a
   *  message the full-text index holds only in part). */
  async wholeBodyContains(value: string): Promise<boolean> {
    const raw = await this.#load();
    const message = raw.subarray(Math.min(raw.length, this.#row.data_offset));
    const needle = fold(value);
    return textPartsMatch(message, parseMessage(message).body, (text) => contains(text, needle));
  }
}
