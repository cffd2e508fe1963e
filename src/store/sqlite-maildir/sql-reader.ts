// The main thread's side of the SQL reader thread (sql-reader-thread.ts). Started on first
// use (or by warm()); holds the process open only while a query is out. With no file to open
// (an in-memory database) there is no thread: get() answers null and the caller runs the query.
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { WorkerCalls } from '../../core/worker-calls.ts';
import type { ReadRequest } from './sql-reader-thread.ts';

type Row = Record<string, unknown> | undefined;

export class SqlReader {
  private readonly thread: WorkerCalls<ReadRequest, Row> | null;
  private closed = false;

  constructor(db: DatabaseSync) {
    const file = db.location();
    this.thread = file ? new WorkerCalls('SQL reader', () => new Worker(new URL('./sql-reader-thread.ts', import.meta.url), { workerData: { file } })) : null;
  }

  /** The first row of a read-only query, on the reader thread's connection; null: no thread. */
  get(sql: string, params: SQLInputValue[]): Promise<Row> | null {
    if (this.thread === null || this.closed) return null;
    return this.thread.call({ sql, params });
  }

  /** A PASSIVE WAL checkpoint on the thread's connection (see db/wal-checkpoints.ts). */
  checkpoint(): Promise<Row> | null {
    return this.get('PRAGMA wal_checkpoint(PASSIVE)', []);
  }

  /** Starts the thread ahead of its first query (starting costs tens of milliseconds). */
  warm(): void {
    if (this.thread !== null && !this.closed) this.thread.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.thread?.close(false);
  }
}
