// RFC 1939 §3 multi-line responses: every line that starts with "." gets one more, and the
// response ends with CRLF "." CRLF. Streaming and pure: slices of the input are passed
// through without copying, so a large message is never rebuilt as one string or buffer.

const DOT = Buffer.from('.');
const LF_DOT = Buffer.from('\n.');
const END = Buffer.from('.\r\n');
const CRLF_END = Buffer.from('\r\n.\r\n');

export class DotStuffer {
  private atLineStart = true;
  private last2: Buffer = Buffer.alloc(0);

  /** The bytes to send for the next chunk of the message. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    const out: Buffer[] = [];
    let start = 0;
    if (this.atLineStart && chunk[0] === 0x2e) out.push(DOT);
    // A line is anything after LF, so a stray bare LF cannot let a "." line end the response.
    for (let i = chunk.indexOf(LF_DOT); i !== -1; i = chunk.indexOf(LF_DOT, i + 1)) {
      out.push(chunk.subarray(start, i + 1), DOT);
      start = i + 1;
    }
    out.push(chunk.subarray(start));
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    this.last2 = chunk.length >= 2 ? chunk.subarray(chunk.length - 2) : Buffer.concat([this.last2, chunk]).subarray(-2);
    return out;
  }

  /** The terminator: CRLF first when the message did not end with one. */
  end(): Buffer {
    if (this.last2.length === 0) return END;
    return this.last2[0] === 0x0d && this.last2[1] === 0x0a ? END : CRLF_END;
  }
}

/** The whole stuffed response body of a message (tests and small bodies). */
export function dotStuff(message: Buffer): Buffer {
  const s = new DotStuffer();
  return Buffer.concat([...s.push(message), s.end()]);
}

/**
 * RFC 1939 §7 TOP: the header, the blank line after it, and then `lines` lines of the body.
 * The byte length of that prefix of the message (all of it when the body is shorter).
 */
export function topLength(message: Buffer, lines: number): number {
  let bodyStart: number;
  const crlf = message.indexOf('\r\n\r\n');
  const lf = message.indexOf('\n\n');
  if (message.length > 0 && message[0] === 0x0a) bodyStart = 1;
  else if (message.length > 1 && message[0] === 0x0d && message[1] === 0x0a) bodyStart = 2;
  else if (crlf === -1 && lf === -1) return message.length; // all header
  else if (crlf !== -1 && (lf === -1 || crlf < lf)) bodyStart = crlf + 4;
  else bodyStart = lf + 2;
  let end = bodyStart;
  for (let n = 0; n < lines && end < message.length; n++) {
    const next = message.indexOf(0x0a, end);
    end = next === -1 ? message.length : next + 1;
  }
  return end;
}
