// Logging from worker threads: a worker's pino logger hands each finished JSON line to the main
// thread, which writes it unchanged to the process logger's destinations (file, stdout,
// pretty-printing), so lines from every thread go to the same places, whole and in one order.
import pino from 'pino';
import type { Logger } from './logger.ts';

/** A logger for a worker thread, shaped like the process logger; `post` carries each line to the main thread. */
export function threadLogger(level: string, post: (line: string) => void): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, { write: post });
}

type Destination = { write(line: string): unknown } & Record<string | symbol, unknown>;

/** Writes a line a worker's threadLogger made through the main logger's destination. */
export function relayLogLine(log: Logger, line: string): void {
  const level = Number(/^\{"level":(\d+)/.exec(line)?.[1]);
  if (!(level >= log.levelVal)) return;
  const dest = (log as unknown as Record<symbol, Destination>)[pino.symbols.streamSym];
  // pino.multistream picks its streams by the level pino sets before each write.
  if (dest[pino.symbols.needsMetadataGsym] === true) Object.assign(dest, { lastLevel: level, lastTime: '', lastMsg: '', lastObj: {}, lastLogger: log });
  dest.write(line);
}
