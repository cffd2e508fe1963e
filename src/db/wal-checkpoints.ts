// WAL checkpoints away from the writing thread. SQLite's automatic checkpoint runs inside the
// COMMIT that crosses the threshold: it copies the WAL into the database and fsyncs both, ~6 ms
// on a 2-core VM, every ~100 messages delivered, in the thread that answers every session (a
// one-at-a-time APPEND's p99 was 17 ms for it). The server's writing connection keeps only a
// farther threshold, and a PASSIVE checkpoint (never blocks a writer or a reader) runs on another
// connection in another thread after enough writes, or some time after any. The WAL starts
// over only at a write that finds every frame copied, so under a steady stream of writes the
// writer's own checkpoint still comes at its threshold, but finds the copying done: what it
// costs the writer is its two fsyncs, a quarter as often as SQLite's default.
import type { Db } from './sqlite.ts';

/** How often the writer's change count is looked at. */
const EVERY_MS = 200;

/** Rows changed before a checkpoint runs (a delivered message changes ~5): each checkpoint
 *  fsyncs the database, and every other fsync in the process waits behind it, so they come
 *  seldom and large (a page changed many times is written once). */
const CHANGES = 2000;

/** A quieter writer is checkpointed this long after its last checkpoint. */
const QUIET_MS = 2000;

/** Pages the WAL may reach before the writer checkpoints itself: ~16 MB, four times SQLite's
 *  default; the WAL file is cut back to that size when it starts over. */
const BACKSTOP_PAGES = 4000;

export class WalCheckpoints {
  private readonly db: Db;
  private readonly run: () => Promise<unknown> | null;
  private readonly changes: () => number;
  private readonly timer: NodeJS.Timeout;
  private seen: number;
  private running = false;
  private last = performance.now();

  /** `run` checkpoints on another connection; null when it cannot (then nothing changes). */
  constructor(db: Db, run: () => Promise<unknown> | null) {
    this.db = db;
    this.run = run;
    const st = db.prepare('SELECT total_changes() AS n');
    this.changes = () => (st.get() as { n: number }).n;
    this.seen = this.changes();
    db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}; PRAGMA journal_size_limit = ${BACKSTOP_PAGES * 4096}`);
    this.timer = setInterval(() => this.tick(), EVERY_MS).unref();
  }

  private tick(): void {
    if (this.running) return;
    const n = this.changes();
    if (n === this.seen || (n - this.seen < CHANGES && performance.now() - this.last < QUIET_MS)) return;
    this.last = performance.now();
    const done = this.run();
    if (done === null) {
      this.stop();
      return;
    }
    this.seen = n;
    this.running = true;
    done.then(
      () => (this.running = false),
      () => (this.running = false), // the backstop covers a failed one; the next tick tries again
    );
  }

  /** The writer checkpoints itself again, as SQLite does by default. */
  stop(): void {
    clearInterval(this.timer);
    try {
      this.db.exec('PRAGMA wal_autocheckpoint = 1000');
    } catch {
      // closed already
    }
  }
}
