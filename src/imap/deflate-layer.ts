// The COMPRESS=DEFLATE layer (RFC 4978): raw DEFLATE (no zlib header, RFC 1951) both ways
// over the socket (or the TLS socket: compression sits above TLS, RFC 4978 §3).
// Inflated bytes go to the same CommandReader as before, so its line and literal limits apply
// to what the client's bytes expand to, and the inflater's output is pulled with backpressure
// (its buffer is bounded by highWaterMark), never accumulated.
import type { Socket } from 'node:net';
import zlib from 'node:zlib';

export type DeflateLayer = {
  readonly inflate: zlib.InflateRaw;
  readonly deflate: zlib.DeflateRaw;
  /** Sync-flushes what was written in this turn of the event loop (once per burst of writes). */
  flushSoon(): void;
  destroy(): void;
};

const CHUNK = 16 * 1024;

/**
 * Inflated bytes the reader may throw away for one command over a limit (a line too long, a
 * literal too large) before the connection ends: up to this the command gets its usual tagged
 * BAD or NO; beyond it a few compressed bytes could keep the server inflating gigabytes.
 */
export const MAX_DISCARDED_INFLATED = 16 * 1024 * 1024;

export function startDeflate(socket: Socket, onError: (e: Error) => void): DeflateLayer {
  const inflate = zlib.createInflateRaw({ chunkSize: CHUNK });
  // Level 1 as RFC 4978 §4 suggests for responses: cheap and still 25-40 % of IMAP text.
  const deflate = zlib.createDeflateRaw({ level: 1, chunkSize: CHUNK });
  let flushPending = false;
  inflate.on('error', onError);
  deflate.on('error', () => socket.destroy());
  socket.pipe(inflate);
  deflate.pipe(socket);
  return {
    inflate,
    deflate,
    flushSoon() {
      if (flushPending) return;
      flushPending = true;
      // A response is many writes; one Z_SYNC_FLUSH after them puts it all on the wire at
      // byte boundaries the client can inflate without waiting for more.
      setImmediate(() => {
        flushPending = false;
        if (!deflate.destroyed && !deflate.writableEnded) deflate.flush(zlib.constants.Z_SYNC_FLUSH);
      });
    },
    destroy() {
      socket.unpipe(inflate);
      inflate.destroy();
      deflate.destroy();
    },
  };
}
