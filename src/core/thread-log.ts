// Logging from worker threads: a worker's pino logger hands each finished JSON line to the main
// thread, which writes it through the one process logger (file, stdout, pretty-printing), so
// lines from every thread go to the same places, whole and in one order.
import pino from 'pino';
import type { Logger } from './logger.ts';

/** A logger for a worker thread; `post` carries each line to the main thread. */
export function threadLogger(level: string, post: (line: string) => void): Logger {
  return pino({ level, base: undefined, timestamp: false }, { write: post });
}

/** Writes a line a worker's threadLogger made through the main logger. */
export function relayLogLine(log: Logger, line: string): void {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, ...fields } = rec;
  const label = typeof level === 'number' ? log.levels.labels[level] : undefined;
  if (label === 'trace' || label === 'debug' || label === 'info' || label === 'warn' || label === 'error' || label === 'fatal') {
    log[label](fields, typeof msg === 'string' ? msg : undefined);
  }
}
