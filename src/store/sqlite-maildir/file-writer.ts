// The main thread's side of the file writer thread (writer-thread.ts): durable writes of up to
// THREAD_MAX bytes made while others are in flight go there; a lone write, a larger one (a copy
// less) and directory syncs of their own stay here. The thread starts on first use and does not keep the process alive
// while idle; if it dies, pending writes fail and the next write starts a new one.
import { Worker } from 'node:worker_threads';
import { DirSyncer, type DurableFiles } from './durable-fs.ts';
import type { WriteDone, WriteJob } from './writer-thread.ts';

/** Above this the message would be copied to the thread; written here instead. */
const THREAD_MAX = 256 * 1024;

type Pending = { worker: Worker; resolve: () => void; reject: (e: Error) => void };

export class FileWriter implements DurableFiles {
  private readonly local = new DirSyncer();
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private localWrites = 0;

  place(tmp: string, final: string, chunks: Buffer[]): Promise<void> {
    // A write with none other in flight (one APPEND at a time) is made here: the hand-off to
    // the thread and back adds ~0.2 ms to its wait, and this thread has time to spare then.
    if (chunks.reduce((n, c) => n + c.length, 0) > THREAD_MAX || this.pending.size + this.localWrites === 0) return this.placeHere(tmp, final, chunks);
    const worker = this.start();
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(seq, { worker, resolve, reject });
      // Posted at once: a one-at-a-time APPEND waits for this answer, and holding writes back
      // for a turn to send them together measured no cheaper at 50 concurrent deliveries.
      worker.postMessage([{ seq, tmp, final, chunks }] satisfies WriteJob[]);
    });
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

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    // Writes in flight finish first: their callers are waiting to acknowledge them.
    while (this.pending.size > 0) await new Promise((r) => setTimeout(r, 5));
    await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./writer-thread.ts', import.meta.url));
    w.on('message', (done: WriteDone[]) => {
      for (const d of done) {
        const p = this.pending.get(d.seq);
        if (!p) continue;
        this.pending.delete(d.seq);
        if (d.error) p.reject(Object.assign(new Error(d.error.message), d.error.code ? { code: d.error.code } : {}));
        else p.resolve();
      }
      if (this.pending.size === 0) w.unref();
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
    w.on('exit', (code) => fail(new Error(`file writer thread exited (${code})`)));
    w.unref();
    this.worker = w;
    return w;
  }
}
