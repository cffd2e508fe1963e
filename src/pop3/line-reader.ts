// Frames client bytes into lines: pure, no I/O. A line ends at LF (a CR before it is
// dropped); a line longer than the limit is reported once as 'too-long' and its bytes are
// skipped up to the next LF, so one oversized line never stops the session or grows memory.
import { MAX_READ_LINE } from './limits.ts';

export type LineEvent = { kind: 'line'; line: Buffer } | { kind: 'too-long' };

export class LineReader {
  private readonly max: number;
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(maxLine = MAX_READ_LINE) {
    this.max = maxLine;
  }

  /** The complete lines in chunk (and whatever was buffered before it). */
  push(chunk: Buffer): LineEvent[] {
    const out: LineEvent[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const lf = chunk.indexOf(0x0a, pos);
      const end = lf === -1 ? chunk.length : lf;
      if (this.skipping) {
        if (lf !== -1) this.skipping = false;
      } else if (this.size + (end - pos) + (lf === -1 ? 0 : 1) > this.max) {
        // Counted with its LF; the CR is counted too when it is there.
        this.parts = [];
        this.size = 0;
        out.push({ kind: 'too-long' });
        this.skipping = lf === -1;
      } else if (lf === -1) {
        this.parts.push(chunk.subarray(pos));
        this.size += chunk.length - pos;
      } else {
        let line = this.parts.length === 0 ? chunk.subarray(pos, end) : Buffer.concat([...this.parts, chunk.subarray(pos, end)]);
        this.parts = [];
        this.size = 0;
        if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
        out.push({ kind: 'line', line });
      }
      pos = lf === -1 ? chunk.length : lf + 1;
    }
    return out;
  }

  /** Drops anything buffered (STLS: bytes pipelined before the handshake are not commands). */
  clear(): void {
    this.parts = [];
    this.size = 0;
    this.skipping = false;
  }
}
