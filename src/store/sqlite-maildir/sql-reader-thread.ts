// The SQL reader thread: searches that SQL decides alone (SEARCH and SORT over header, date,
// size and flag columns) run here on a read-only connection of their own, so a scan of a
// 100,000-message mailbox neither stops every other session for its tens of milliseconds nor
// waits for them. WAL lets this connection read while the main one writes; a statement sees
// everything committed before it starts, which includes every change already answered.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { CallReply } from '../../core/worker-calls.ts';
import { FOLD_FN, fold } from './fold.ts';

export type ReadRequest = { sql: string; params: SQLInputValue[] };
type Row = Record<string, unknown> | undefined;

/** Prepared statements kept: the shapes of searches repeat. */
const CACHE_MAX = 200;

function main(): void {
  const port = parentPort;
  if (!port) return;
  const db = new DatabaseSync((workerData as { file: string }).file, { timeout: 5000 });
  db.exec('PRAGMA query_only = 1; PRAGMA busy_timeout = 5000; PRAGMA mmap_size = 268435456; PRAGMA cache_size = -32768');
  db.function(FOLD_FN, { deterministic: true }, (s) => (typeof s === 'string' ? fold(s) : s));
  const statements = new Map<string, StatementSync>();
  port.on('message', (req: ReadRequest & { seq: number }) => {
    try {
      let st = statements.get(req.sql);
      if (st === undefined) {
        if (statements.size >= CACHE_MAX) statements.clear();
        statements.set(req.sql, (st = db.prepare(req.sql)));
      }
      port.postMessage({ seq: req.seq, ok: true, value: st.get(...req.params) as Row } satisfies CallReply<Row>);
    } catch (e) {
      port.postMessage({ seq: req.seq, ok: false, error: { message: (e as Error).message } } satisfies CallReply<Row>);
    }
  });
}

main();
