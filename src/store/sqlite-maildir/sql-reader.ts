// The main thread's side of the SQL reader thread (sql-reader-thread.ts). Started on first
// use; holds the process open only while a query is out. If the thread cannot be had (an
// in-memory database, the thread failed), queries run on the caller's connection instead.
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { ReadReply, ReadRequest } from './sql-reader-thread.ts';

type Pending = { worker: Worker; resolve: (row: Record<string, unknown> | undefined) => void; reject: (e: Error) => void };

export class SqlReader {
  private readonly file: string | null;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closed = false;

  constructor(db: DatabaseSync) {
    this.file = db.location();
  }

  /** The first row of a read-only query, on the reader thread's connection. */
  get(sql: string, params: SQLInputValue[]): Promise<Record<string, unknown> | undefined> | null {
    const worker = this.start();
    if (worker === null) return null;
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(seq, { worker, resolve, reject });
      worker.postMessage({ seq, sql, params } satisfies ReadRequest);
    });
  }

  /** Starts the thread ahead of its first query (starting costs tens of milliseconds). */
  warm(): void {
    this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(): Worker | null {
    if (this.worker || this.closed || this.file === null || this.file === '') return this.worker;
    const w = new Worker(new URL('./sql-reader-thread.ts', import.meta.url), { workerData: { file: this.file } });
    w.on('message', (r: ReadReply) => {
      const p = this.pending.get(r.seq);
      if (!p) return;
      this.pending.delete(r.seq);
      if (this.pending.size === 0) w.unref();
      if (r.ok) p.resolve(r.row);
      else p.reject(new Error(r.error));
    });
    const fail = (e: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const [seq, p] of this.pending) {
        if (p.worker !== w) continue;
        this.pending.delete(seq);
        p.reject(e);
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`SQL reader thread exited (${code})`)));
    w.unref();
    this.worker = w;
    return w;
  }
}
