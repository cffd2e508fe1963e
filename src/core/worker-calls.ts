// Calls into a worker thread that answers each message it is sent: a sequence number ties an
// answer to its caller. The thread starts on first use and keeps the process alive only while
// an answer is due; if it dies, the calls it owed fail and the next call starts a new thread.
import { Worker } from 'node:worker_threads';

/** What the thread sends back for each call. */
export type CallReply<T> = { seq: number; ok: true; value: T } | { seq: number; ok: false; error: { message: string; code?: string } };

type Pending = { worker: Worker; resolve: (v: unknown) => void; reject: (e: Error) => void };

export class WorkerCalls<Req extends object, Res> {
  private readonly make: () => Worker;
  private readonly what: string;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  /** `what` names the thread in the error its death gives the calls it owed. */
  constructor(what: string, make: () => Worker) {
    this.what = what;
    this.make = make;
  }

  /** Calls not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends `req` with its sequence number; resolves with the thread's answer. */
  call(req: Req): Promise<Res> {
    const worker = this.start();
    const seq = ++this.seq;
    return new Promise<Res>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(seq, { worker, resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, seq });
    });
  }

  start(): Worker {
    if (this.worker) return this.worker;
    const w = this.make();
    w.on('message', (r: CallReply<Res>) => {
      const p = this.pending.get(r.seq);
      if (!p) return;
      this.pending.delete(r.seq);
      if (this.pending.size === 0) w.unref();
      if (r.ok) p.resolve(r.value);
      else p.reject(Object.assign(new Error(r.error.message), r.error.code ? { code: r.error.code } : {}));
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
    w.on('exit', (code) => fail(new Error(`${this.what} thread exited (${code})`)));
    w.unref();
    this.worker = w;
    return w;
  }

  /** Stops the thread; with `drain`, once the calls in flight are answered. */
  async close(drain: boolean): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    while (drain && [...this.pending.values()].some((p) => p.worker === w)) await new Promise((r) => setTimeout(r, 5));
    await w.terminate();
  }
}
