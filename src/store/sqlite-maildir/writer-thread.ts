// The file writer thread: durable Maildir writes (create, write, rename, fsync) done away
// from the thread that runs the protocols. Each write there costs three or four trips through
// libuv's pool plus their promise callbacks; here it costs the main thread one message out and
// one back, and the trips happen on this thread's event loop instead.
import { parentPort } from 'node:worker_threads';
import type { CallReply } from '../../core/worker-calls.ts';
import { DirSyncer, placeDurably, renameAllHere } from './durable-fs.ts';

/** A durable write, or renames (flag names, maildir-names.ts): which of them were made. */
export type WriteJob = { tmp: string; final: string; chunks: Uint8Array[] } | { renames: [string, string][] };

function main(): void {
  const port = parentPort;
  if (!port) return;
  const syncer = new DirSyncer();
  port.on('message', (job: WriteJob & { seq: number }) => {
    if ('renames' in job) {
      port.postMessage({ seq: job.seq, ok: true, value: renameAllHere(job.renames) } satisfies CallReply<boolean[]>);
      return;
    }
    const chunks = job.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    placeDurably(job.tmp, job.final, chunks, syncer).then(
      () => port.postMessage({ seq: job.seq, ok: true, value: undefined } satisfies CallReply<void>),
      (e: NodeJS.ErrnoException) => port.postMessage({ seq: job.seq, ok: false, error: { message: e.message, code: e.code } } satisfies CallReply<void>),
    );
  });
}

main();
