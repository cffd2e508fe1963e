// Response bytes written straight into a buffer: for answers of many short lines made of
// numbers and ASCII words (the FETCH FLAGS of a whole mailbox's resync), where building a
// string per line and converting the joined text costs more than the lines themselves.

/** ASCII text as bytes, for AsciiWriter.bytes. */
export const asciiBytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');

export class AsciiWriter {
  private buf: Buffer;
  private len = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.len;
  }

  /** ASCII text (keywords, flags, punctuation): one byte a character. */
  text(s: string): this {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
    return this;
  }

  /** Bytes made once (see asciiBytes) and written many times. */
  bytes(b: Uint8Array): this {
    this.room(b.length);
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < b.length; i++) buf[at++] = b[i];
    this.len = at;
    return this;
  }

  /** A non-negative integer (a sequence number, UID or MODSEQ) in decimal. */
  uint(n: number): this {
    this.room(20);
    const buf = this.buf;
    if (n < 10) {
      buf[this.len++] = 48 + n;
      return this;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let at = this.len + digits;
    this.len = at;
    // One division a digit (the remainder from it), on numbers that stay small integers.
    let m = n;
    while (m >= 10) {
      const q = Math.floor(m / 10);
      buf[--at] = 48 + (m - q * 10);
      m = q;
    }
    buf[at - 1] = 48 + m;
    return this;
  }

  /** The bytes written so far (a copy-free view), and a fresh start. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.len = 0;
    return out;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}
