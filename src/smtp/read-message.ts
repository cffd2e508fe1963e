// Reads DATA into memory with its limits, then vets the bytes: size, line length, and the
// bare CR/LF patterns around a dot that SMTP smuggling relies on (a lone "." line ended by
// anything but CRLF). smtp-server only ends DATA on CRLF.CRLF, so such a pattern left in the
// body means some receiver downstream could read the message differently from us.
import type { Readable } from 'node:stream';
import { MailError } from '../core/mail-error.ts';
import { withCrlf } from '../mime/line-endings.ts';

export type MessageLimits = { maxSize: number; maxLineLength: number };

export type ReadResult = { ok: true; content: Buffer } | { ok: false; error: MailError };

export async function readMessage(stream: Readable & { sizeExceeded?: boolean }, limits: MessageLimits): Promise<ReadResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining past the limit so the client gets our reply, but stop buffering.
    if (size <= limits.maxSize) chunks.push(chunk);
  }
  if (size > limits.maxSize || stream.sizeExceeded) {
    return { ok: false, error: new MailError({ code: 552, enhanced: '5.3.4', message: `Message size exceeds fixed limit of ${limits.maxSize} bytes` }) };
  }
  return vetMessage(Buffer.concat(chunks, size), limits.maxLineLength);
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** Checks and normalises a complete message: bare LF becomes CRLF; smuggling patterns refuse it. */
export function vetMessage(data: Buffer, maxLineLength: number): ReadResult {
  let bareLf = 0;
  let lineStart = 0;
  for (let i = data.indexOf(LF); i !== -1; i = data.indexOf(LF, i + 1)) {
    const crlf = i > 0 && data[i - 1] === CR;
    if (i - lineStart - (crlf ? 1 : 0) > maxLineLength) return { ok: false, error: lineTooLong(maxLineLength) };
    if (!crlf) bareLf++;
    lineStart = i + 1;
  }
  if (data.length - lineStart > maxLineLength) return { ok: false, error: lineTooLong(maxLineLength) };
  if (hasSmugglingPattern(data)) {
    return {
      ok: false,
      error: new MailError({ code: 550, enhanced: '5.6.11', message: 'Message refused: a "." line ended by a bare CR or LF (SMTP smuggling)' }),
    };
  }
  return { ok: true, content: bareLf > 0 ? withCrlf(data) : data };
}

/** Any "." between line breaks where one of the breaks is a bare CR or LF. */
export function hasSmugglingPattern(data: Buffer): boolean {
  for (let i = data.indexOf(DOT); i !== -1 && i < data.length - 1; i = data.indexOf(DOT, i + 1)) {
    // The start of DATA counts as the start of a line ended by CRLF.
    const before = i === 0 ? LF : data[i - 1];
    const after = data[i + 1];
    if ((before === CR || before === LF) && (after === CR || after === LF)) {
      // CRLF "." CRLF ended DATA and never reaches us; anything else here is a variant.
      const crlfBefore = i === 0 || (before === LF && i >= 2 && data[i - 2] === CR);
      const crlfAfter = after === CR && data[i + 2] === LF;
      if (!(crlfBefore && crlfAfter)) return true;
    }
  }
  return false;
}

const lineTooLong = (max: number) =>
  new MailError({ code: 552, enhanced: '5.3.4', message: `Message refused: a line is longer than ${max} bytes` });
