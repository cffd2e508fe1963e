// The file writer thread: durable Maildir writes (create, write, rename, fsync) done away
// from the thread that runs the protocols. Each write there costs three or four trips through
// libuv's pool plus their promise callbacks; here it costs the main thread one message out and
// one back, and the trips happen on this thread's event loop instead.
import { parentPort } from 'node:worker_threads';
import { DirSyncer, placeDurably } from './durable-fs.ts';

export type WriteJob = { seq: number; tmp: string; final: string; chunks: Uint8Array[] };
export type WriteDone = { seq: number; error?: { message: string; code?: string } };

function main(): void {
  const port = parentPort;
  if (!port) return;
  const syncer = new DirSyncer();
  const finish = (d: WriteDone): void => port.postMessage([d]);
  port.on('message', (jobs: WriteJob[]) => {
    for (const job of jobs) {
      const chunks = job.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
      placeDurably(job.tmp, job.final, chunks, syncer).then(
        () => finish({ seq: job.seq }),
        (e: NodeJS.ErrnoException) => finish({ seq: job.seq, error: { message: e.message, code: e.code } }),
      );
    }
  });
}

main();
