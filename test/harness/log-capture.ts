// A pino logger whose JSON lines the test can read back.
import pino from 'pino';
import type { Logger } from '../../src/core/logger.ts';

export type Captured = { log: Logger; lines: Record<string, unknown>[]; events(name: string): Record<string, unknown>[] };

export function captureLog(): Captured {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines, events: (name) => lines.filter((l) => l.event === name) };
}
