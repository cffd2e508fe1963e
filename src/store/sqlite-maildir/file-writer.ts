// The main thread's side of the file writer thread (writer-thread.ts): durable writes of up to
// THREAD_MAX bytes go there, larger ones (and directory syncs of their own) stay here, where
// they cost a copy less. The thread starts on first use and does not keep the process alive
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
  /** Jobs of this turn of the event loop, posted together after it. */
  private queued: WriteJob[] = [];

  place(tmp: string, final: string, chunks: Buffer[]): Promise<void> {
    if (chunks.reduce((n, c) => n + c.length, 0) > THREAD_MAX) return this.local.place(tmp, final, chunks);
    const worker = this.start();
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(seq, { worker, resolve, reject });
      if (this.queued.length === 0) setImmediate(() => this.post(worker));
      this.queued.push({ seq, tmp, final, chunks });
    });
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

  private post(worker: Worker): void {
    const jobs = this.queued;
    this.queued = [];
    worker.postMessage(jobs);
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
