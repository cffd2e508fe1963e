// Group commit: index writes that arrive in the same turn of the event loop share one
// transaction, each in its own savepoint so one failure does not undo the others. Under load
// this turns fifty BEGIN/COMMIT pairs (and their WAL work) into one.
import type { Db } from './sqlite.ts';

type Pending = { fn: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };

export class GroupCommit {
  private readonly db: Db;
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(db: Db) {
    this.db = db;
  }

  /** Runs `fn` inside a shared transaction; resolves once that transaction has committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    // One write alone needs no savepoint: if it fails, the whole transaction is rolled back.
    const alone = batch.length === 1;
    for (const p of batch) {
      if (!alone) this.db.exec('SAVEPOINT g');
      try {
        const value = p.fn();
        if (!alone) this.db.exec('RELEASE g');
        results.push({ ok: true, value });
      } catch (error) {
        if (alone) {
          this.rollback();
          p.reject(error);
          return;
        }
        this.db.exec('ROLLBACK TO g');
        this.db.exec('RELEASE g');
        results.push({ ok: false, error });
      }
    }
    try {
      this.db.exec('COMMIT');
    } catch (e) {
      this.rollback();
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  }

  private rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // already rolled back by SQLite
    }
  }
}
