// The main thread's side of the file writer thread (writer-thread.ts): durable writes of up to
// THREAD_MAX bytes made while others are in flight go there; a lone write, a larger one (a copy
// less) and directory syncs of their own stay here.
import { Worker } from 'node:worker_threads';
import { WorkerCalls } from '../../core/worker-calls.ts';
import { DirSyncer, type DurableFiles } from './durable-fs.ts';
import type { WriteJob } from './writer-thread.ts';

/** Above this the message would be copied to the thread; written here instead. */
const THREAD_MAX = 256 * 1024;

export class FileWriter implements DurableFiles {
  private readonly local = new DirSyncer();
  private readonly thread = new WorkerCalls<WriteJob, void | boolean[]>('file writer', () => new Worker(new URL('./writer-thread.ts', import.meta.url)));
  private localWrites = 0;
  private renames = 0;

  place(tmp: string, final: string, chunks: Buffer[]): Promise<void> {
    // A write with none other in flight (one APPEND at a time) is made here: the hand-off to
    // the thread and back adds ~0.2 ms to its wait, and this thread has time to spare then.
    // Renames on the thread do not count: a write should not queue behind them.
    if (chunks.reduce((n, c) => n + c.length, 0) > THREAD_MAX || this.thread.inFlight - this.renames + this.localWrites === 0) return this.placeHere(tmp, final, chunks);
    return this.thread.call({ tmp, final, chunks }) as Promise<void>;
  }

  /** Renames on the thread: ~60 µs of kernel time each in a large folder, off this one. */
  async renameAll(pairs: readonly [string, string][]): Promise<boolean[]> {
    this.renames++;
    try {
      return (await this.thread.call({ renames: [...pairs] })) as boolean[];
    } finally {
      this.renames--;
    }
  }

  private async placeHere(tmp: string, final: string, chunks: Buffer[]): Promise<void> {
    this.localWrites++;
    try {
      await this.local.place(tmp, final, chunks);
    } finally {
      this.localWrites--;
    }
  }

  sync(dir: string): Promise<void> {
    return this.local.sync(dir);
  }

  /** Writes in flight finish first: their callers are waiting to acknowledge them. */
  close(): Promise<void> {
    return this.thread.close(true);
  }
}
