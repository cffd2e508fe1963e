// Incremental framer for the IMAP client stream: bytes in, whole commands out (no I/O).
//
// A command is one or more lines joined by literals (RFC 9051 §4.3): a line ending in {n}
// (synchronizing: the server must send "+" first), {n+} (non-synchronizing, RFC 7888) or
// ~{n} (literal8, RFC 3516/4466) is followed by n octets and then the rest of the command.
// Framing is lazy: bytes are only interpreted when next() is called, so a session that
// switches mode (IDLE, AUTHENTICATE, STARTTLS) before pulling the next event sees the bytes
// the client pipelined behind the command in the right mode.

import { BACKSLASH, DQUOTE, LF, CR, SP, tagLength } from './chars.ts';
import { type Limits, withLimits } from './limits.ts';

export type TextPart = { readonly kind: 'text'; readonly data: Buffer };
export type LiteralPart = {
  readonly kind: 'literal';
  readonly data: Buffer;
  /** literal8 (~{n}): may contain NUL (RFC 3516). */
  readonly binary: boolean;
};
/** Always text, then (literal, text) pairs: the text after a literal may be empty. */
export type FramedCommand = { readonly parts: readonly (TextPart | LiteralPart)[] };

export type ReaderEvent =
  | { readonly type: 'command'; readonly command: FramedCommand }
  /** A synchronizing literal: send "+ …" and call accept(), or reply and call reject(). */
  | { readonly type: 'continue'; readonly tag: string; readonly name: string; readonly size: number; readonly binary: boolean }
  /** The command was dropped (and is being skipped); reply `tag status [code] text`. */
  | { readonly type: 'error'; readonly tag: string; readonly status: 'BAD' | 'NO'; readonly code?: 'TOOBIG'; readonly text: string; readonly fatal?: boolean }
  /** The line that ends IDLE (RFC 2177): ok when it was "DONE". */
  | { readonly type: 'idle-done'; readonly ok: boolean }
  /** One SASL response line during AUTHENTICATE (RFC 9051 §6.2.2), without CRLF. */
  | { readonly type: 'auth-response'; readonly line: string };

export type ReaderOptions = {
  limits?: Partial<Limits>;
  /** Which of LITERAL+ / LITERAL- (RFC 7888) the server advertises. Default LITERAL+. */
  nonSyncLiterals?: 'LITERAL+' | 'LITERAL-';
};

type Marker = { size: number; sync: boolean; binary: boolean; start: number };
type Pending = { tag: string; name: string; parts: (TextPart | LiteralPart)[]; textBytes: number; literalBytes: number };
type State = 'line' | 'literal' | 'await' | 'skip-literal' | 'discard';

const MARKER_TAIL = 40; // bytes of a discarded line kept to spot a literal marker at its end

/**
 * Before login the only literals are LOGIN's user name and password: all literals of one
 * command together may not exceed this, so an unauthenticated client cannot make us buffer
 * a megabyte per connection (Dovecot's login process reads at most 4 KiB before login).
 */
export const PRE_AUTH_LITERAL_BYTES = 8 * 1024;

export class CommandReader {
  readonly #limits: Limits;
  readonly #literalMinus: boolean;
  #chunks: Buffer[] = [];
  #state: State = 'line';
  #mode: 'command' | 'idle' | 'auth' = 'command';
  #line: Buffer[] = [];
  #lineBytes = 0;
  #cmd: Pending | undefined;
  #remaining = 0; // literal octets still to read or skip
  #literal: Buffer[] = [];
  #marker: Marker | undefined; // the literal being read or awaiting a decision
  #discard = { inQuote: false, escape: false, tail: Buffer.alloc(0), error: undefined as ReaderEvent | undefined };
  #dropped = 0; // bytes thrown away for the command being discarded
  /** The session sets this while nobody is logged in: literals get PRE_AUTH_LITERAL_BYTES. */
  preAuth = false;

  constructor(options: ReaderOptions = {}) {
    this.#limits = withLimits(options.limits);
    this.#literalMinus = options.nonSyncLiterals === 'LITERAL-';
  }

  feed(chunk: Buffer): void {
    if (chunk.length > 0) this.#chunks.push(chunk);
  }

  /** Bytes received and not yet framed. */
  get buffered(): number {
    return this.#chunks.reduce((n, c) => n + c.length, 0);
  }

  /** Bytes are being thrown away after a command went over a limit (line or literal). */
  get discarding(): boolean {
    return this.#state === 'discard' || this.#state === 'skip-literal';
  }

  /** While discarding: the bytes thrown away so far for this command, and the rest of a
   *  literal being skipped (announced, so known before it comes). */
  get discardedBytes(): number {
    return this.#dropped + (this.#state === 'skip-literal' ? this.#remaining : 0);
  }

  /** The next event, or undefined when more bytes (or an accept/reject decision) are needed. */
  next(): ReaderEvent | undefined {
    while (this.#chunks.length > 0 && this.#state !== 'await') {
      const event = this.#step();
      if (event !== undefined) return event;
    }
    return undefined;
  }

  /** The session sent "+": read the literal. */
  accept(): void {
    if (this.#state !== 'await') return;
    this.#state = 'literal';
    this.#remaining = this.#marker!.size;
    this.#literal = [];
    if (this.#remaining === 0) this.#endLiteral();
  }

  /** The session refused the literal: the client sends none of it, the command is over. */
  reject(): void {
    if (this.#state !== 'await') return;
    this.#cmd = undefined;
    this.#state = 'line';
  }

  /** The next line ends an IDLE (RFC 2177). */
  expectIdleDone(): void {
    this.#mode = 'idle';
  }

  /** The next line is a SASL response to an AUTHENTICATE challenge. */
  expectAuthResponse(): void {
    this.#mode = 'auth';
  }

  /**
   * Take every byte not yet framed and start afresh: after STARTTLS they must be dropped
   * (RFC 9051 §6.2.1, command injection), after COMPRESS they are compressed data.
   */
  takeBuffered(): Buffer {
    const rest = Buffer.concat(this.#state === 'line' ? [...this.#line, ...this.#chunks] : this.#chunks);
    this.#chunks = [];
    this.#line = [];
    this.#lineBytes = 0;
    this.#cmd = undefined;
    this.#state = 'line';
    this.#mode = 'command';
    this.#dropped = 0;
    return rest;
  }

  #step(): ReaderEvent | undefined {
    const chunk = this.#chunks[0];
    switch (this.#state) {
      case 'line':
        return this.#readLine(chunk);
      case 'literal':
      case 'skip-literal': {
        const n = Math.min(this.#remaining, chunk.length);
        if (this.#state === 'literal') this.#literal.push(chunk.subarray(0, n));
        else this.#dropped += n;
        this.#consume(n);
        this.#remaining -= n;
        if (this.#remaining > 0) return undefined;
        if (this.#state === 'literal') this.#endLiteral();
        else this.#startDiscard(undefined);
        return undefined;
      }
      case 'discard':
        return this.#discardLine(chunk);
      default:
        return undefined;
    }
  }

  #consume(n: number): void {
    const chunk = this.#chunks[0];
    if (n >= chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
  }

  #readLine(chunk: Buffer): ReaderEvent | undefined {
    const budget = this.#limits.maxLineBytes - (this.#cmd?.textBytes ?? 0);
    const lf = chunk.indexOf(LF);
    const piece = chunk.subarray(0, lf < 0 ? chunk.length : lf);
    // A line may hold `budget` bytes, plus the CR of its CRLF while the LF is still to come.
    const last = piece.length > 0 ? piece.at(-1) : this.#line.at(-1)?.at(-1);
    const allowed = lf < 0 ? budget + 1 : budget + (last === CR ? 1 : 0);
    if (this.#lineBytes + piece.length > allowed) {
      const error = this.#error('BAD', undefined, 'Command line too long', [...this.#line, piece]);
      for (const part of [...this.#line, piece]) this.#scanDiscarded(part);
      this.#line = [];
      this.#lineBytes = 0;
      this.#consume(piece.length);
      this.#startDiscard(error, true);
      return undefined;
    }
    this.#line.push(piece);
    this.#lineBytes += piece.length;
    this.#consume(lf < 0 ? piece.length : lf + 1);
    if (lf < 0) return undefined;
    let line = this.#line.length === 1 ? this.#line[0] : Buffer.concat(this.#line);
    if (line.at(-1) === CR) line = line.subarray(0, -1);
    this.#line = [];
    this.#lineBytes = 0;
    return this.#endLine(line);
  }

  #endLine(line: Buffer): ReaderEvent | undefined {
    if (this.#mode === 'idle') {
      this.#mode = 'command';
      return { type: 'idle-done', ok: line.toString('latin1').toUpperCase() === 'DONE' };
    }
    if (this.#mode === 'auth') {
      this.#mode = 'command';
      return { type: 'auth-response', line: line.toString('latin1') };
    }
    const cmd = (this.#cmd ??= peekCommand(line));
    const marker = literalMarker(line);
    cmd.textBytes += line.length;
    cmd.parts.push({ kind: 'text', data: marker === undefined ? line : line.subarray(0, marker.start) });
    if (marker === undefined) {
      this.#cmd = undefined;
      return { type: 'command', command: { parts: cmd.parts } };
    }
    const refusal = this.#checkLiteral(cmd, marker);
    if (refusal !== undefined) {
      this.#cmd = undefined;
      // A refused non-synchronizing literal is read and dropped (RFC 7888 §4, choice 1), up to
      // the most an APPEND may carry; past that (a client announcing terabytes) the session
      // ends after the answer (choice 2), as Dovecot does, instead of draining for ever.
      if (!marker.sync && marker.size > this.#limits.maxAppendBytes) return { ...refusal, fatal: true } as ReaderEvent;
      if (!marker.sync) this.#skip(marker.size);
      return refusal;
    }
    this.#marker = marker;
    if (marker.sync) {
      this.#state = 'await';
      return { type: 'continue', tag: cmd.tag, name: cmd.name, size: marker.size, binary: marker.binary };
    }
    this.#state = 'literal';
    this.#remaining = marker.size;
    this.#literal = [];
    if (marker.size === 0) this.#endLiteral();
    return undefined;
  }

  #checkLiteral(cmd: Pending, m: Marker): ReaderEvent | undefined {
    if (this.preAuth && cmd.literalBytes + m.size > PRE_AUTH_LITERAL_BYTES) {
      return this.#error('BAD', 'TOOBIG', `Literal too big before login (at most ${PRE_AUTH_LITERAL_BYTES} octets)`);
    }
    const L = this.#limits;
    // RFC 7888 §5: with LITERAL-, a non-synchronizing literal over 4096 octets is refused
    // with BAD, [TOOBIG] when the command is APPEND.
    if (!m.sync && this.#literalMinus && m.size > L.literalMinusMax) {
      return this.#error('BAD', 'TOOBIG', `Non-synchronizing literal larger than ${L.literalMinusMax} octets`);
    }
    // REPLACE (RFC 8508) carries one message like APPEND and gets the same limits.
    const append = cmd.name === 'APPEND' || cmd.name === 'REPLACE';
    const one = append ? L.appendLimit : L.maxLiteralBytes;
    const all = append ? L.maxAppendBytes : L.maxCommandLiteralBytes;
    if (m.size > one || cmd.literalBytes + m.size > all) {
      // RFC 7889 §3.3 / RFC 4469: an APPEND over the limit is a tagged NO [TOOBIG].
      const text = append ? `Message too big (at most ${L.appendLimit} octets)` : `Literal too big (at most ${one} octets)`;
      return this.#error(append ? 'NO' : 'BAD', 'TOOBIG', text);
    }
    cmd.literalBytes += m.size;
    return undefined;
  }

  #endLiteral(): void {
    const data = this.#literal.length === 1 ? this.#literal[0] : Buffer.concat(this.#literal);
    this.#literal = [];
    this.#cmd!.parts.push({ kind: 'literal', data, binary: this.#marker!.binary });
    this.#state = 'line';
  }

  #error(status: 'BAD' | 'NO', code: 'TOOBIG' | undefined, text: string, line: Buffer[] = []): ReaderEvent {
    // In IDLE or AUTHENTICATE the line is no command: the session knows the tag.
    const first = () => Buffer.concat(line).subarray(0, 200);
    const tag = this.#mode !== 'command' ? '*' : (this.#cmd?.tag ?? peekCommand(first(), false).tag);
    return code === undefined ? { type: 'error', tag, status, text } : { type: 'error', tag, status, code, text };
  }

  /** Drop `size` literal octets without keeping them, then the rest of the command. */
  #skip(size: number): void {
    this.#state = 'skip-literal';
    this.#remaining = size;
    if (size === 0) this.#startDiscard(undefined);
  }

  #startDiscard(error: ReaderEvent | undefined, keepScan = false): void {
    this.#state = 'discard';
    if (!keepScan) this.#discard = { inQuote: false, escape: false, tail: Buffer.alloc(0), error: undefined };
    this.#discard.error = error;
  }

  #scanDiscarded(bytes: Buffer): void {
    const d = this.#discard;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (d.escape) d.escape = false;
      else if (d.inQuote && c === BACKSLASH) d.escape = true;
      else if (c === DQUOTE) d.inQuote = !d.inQuote;
    }
    const tail = Buffer.concat([d.tail, bytes]);
    d.tail = tail.subarray(Math.max(0, tail.length - MARKER_TAIL));
  }

  /** Discard to the end of the line; a non-synchronizing literal there is skipped too. */
  #discardLine(chunk: Buffer): ReaderEvent | undefined {
    const lf = chunk.indexOf(LF);
    this.#scanDiscarded(chunk.subarray(0, lf < 0 ? chunk.length : lf));
    this.#consume(lf < 0 ? chunk.length : lf + 1);
    this.#dropped += lf < 0 ? chunk.length : lf + 1;
    if (lf < 0) return undefined;
    const { tail, inQuote, error } = this.#discard;
    const end = tail.at(-1) === CR ? tail.subarray(0, -1) : tail;
    const marker = inQuote || this.#mode !== 'command' ? undefined : literalMarker(end, false);
    this.#cmd = undefined;
    this.#discard = { inQuote: false, escape: false, tail: Buffer.alloc(0), error: undefined };
    if (marker !== undefined && !marker.sync) this.#skip(marker.size);
    else {
      this.#state = 'line';
      this.#dropped = 0;
    }
    if (this.#mode === 'idle' && error !== undefined) {
      this.#mode = 'command';
      return { type: 'idle-done', ok: false };
    }
    this.#mode = 'command';
    return error;
  }
}

/** The tag and command name, for replies to a command that is refused before it is parsed. */
function peekCommand(line: Buffer, complete = true): Pending {
  const tagEnd = tagLength(line);
  const ends = line[tagEnd] === SP || (complete && tagEnd === line.length);
  const tag = tagEnd > 0 && ends ? line.toString('latin1', 0, tagEnd) : '*';
  const words = line.toString('latin1', 0, Math.min(line.length, 200)).split(' ');
  const name = (words[1]?.toUpperCase() === 'UID' ? words[2] : words[1]) ?? '';
  return { tag, name: name.toUpperCase(), parts: [], textBytes: 0, literalBytes: 0 };
}

/**
 * The literal announced at the end of a line (RFC 7888 §3: "the server MUST check the end of
 * every received line"), unless the brace sits inside a quoted string.
 */
function literalMarker(line: Buffer, checkQuotes = true): Marker | undefined {
  const m = /(~?)\{([0-9]+)(\+?)\}$/.exec(line.toString('latin1', Math.max(0, line.length - MARKER_TAIL)));
  if (m === null) return undefined;
  if (checkQuotes && endsInQuote(line)) return undefined;
  const size = m[2].length > 15 ? Number.MAX_SAFE_INTEGER : Number(m[2]);
  return { size, sync: m[3] === '', binary: m[1] === '~', start: line.length - m[0].length };
}

function endsInQuote(line: Buffer): boolean {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQuote && c === BACKSLASH) i++;
    else if (c === DQUOTE) inQuote = !inQuote;
  }
  return inQuote;
}
