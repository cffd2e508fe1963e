// One pino logger per process: JSON lines to a file under data/logs/ and to stdout (pretty
// only when stdout is a terminal). Every line from a session carries its `sid`.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';

export type Logger = pino.Logger;

export type LoggerOptions = {
  level: string;
  /** Directory for mailhaven.log; no file log when undefined. */
  dir?: string;
  /** Write to stdout too (the CLI turns this off for its own short-lived commands). */
  stdout: boolean;
};

type FileDestination = ReturnType<typeof pino.destination>;
const files = new Set<FileDestination>();

/** Reopens every log file (after logrotate moved it away; `serve` does this on SIGHUP). */
export function reopenLogFiles(): void {
  for (const f of files) f.reopen();
}

export function createLogger(opts: LoggerOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (opts.stdout) {
    if (process.stdout.isTTY) {
      streams.push({
        level: opts.level as pino.Level,
        stream: pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } }),
      });
    } else {
      streams.push({ level: opts.level as pino.Level, stream: pino.destination({ fd: 1, sync: false }) });
    }
  }
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    const file = pino.destination({ dest: path.join(opts.dir, 'mailhaven.log'), mkdir: true, sync: false });
    files.add(file);
    streams.push({ level: opts.level as pino.Level, stream: file });
  }
  const options = { level: opts.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  // One destination needs no multistream, which costs a little on every line.
  return pino(options, streams.length === 1 ? streams[0].stream : pino.multistream(streams));
}

export const silentLogger = (): Logger => pino({ level: 'silent' });

/** Short random ids for sessions and queue entries: sortable by time, 16 chars. */
export function newId(): string {
  const t = Date.now().toString(36).padStart(9, '0');
  const r = Math.floor(Math.random() * 36 ** 7).toString(36).padStart(7, '0');
  return (t + r).toUpperCase();
}
