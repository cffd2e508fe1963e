// File-system steps of a durable Maildir write. A message counts as stored only after its
// file's data and the directory it was renamed into are fsynced (DESIGN.md "Durability"). Directory fsyncs are coalesced: every rename finished before a sync starts
// is covered by it, so 50 concurrent deliveries into one folder cost a few directory syncs.
import fs, { constants } from 'node:fs';
import { unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const openFd = promisify(fs.open);
const writevFd = promisify(fs.writev);
const fdatasyncFd = promisify(fs.fdatasync);
const fsyncFd = promisify(fs.fsync);

/**
 * Writes up to this size, renames and closes are made directly: into the page cache they take
 * microseconds, while a trip through libuv's thread pool costs ~50 µs of CPU and as much wait
 * (measured on a 2-core VM). Creating the file (a new inode, ~1 ms on ext4 there) and the
 * syncs stay in the pool.
 */
const DIRECT_WRITE_MAX = 256 * 1024;

function writeAllDirect(fd: number, chunks: Buffer[]): void {
  let written = fs.writevSync(fd, chunks);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  while (written < total) written += fs.writevSync(fd, [Buffer.concat(chunks).subarray(written)]);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing to do: the data is synced (or the write failed) either way
  }
}

async function writeAll(fd: number, chunks: Buffer[]): Promise<void> {
  let written = (await writevFd(fd, chunks)).bytesWritten;
  const total = chunks.reduce((n, c) => n + c.length, 0);
  // writev may write less than asked (large messages); finish with the rest.
  while (written < total) written += (await writevFd(fd, [Buffer.concat(chunks).subarray(written)])).bytesWritten;
}

/**
 * The delivery write: the file is written in tmp/, renamed to its place in new/ or cur/, and
 * only then are its data and the directory synced — together. Both syncs wait for the same
 * journal commit on ext4/xfs, so a message costs one commit instead of two (data, then the
 * rename). Nothing is acknowledged before both return. A crash between the rename and the
 * syncs can leave a torn file in place; it was never acknowledged, and start-up adoption skips
 * files whose size differs from their ",S=" or that start with NUL (see reconcile.ts).
 */
export async function placeDurably(tmp: string, final: string, chunks: Buffer[], syncer: DirSyncer): Promise<void> {
  const fd = await openFd(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    if (chunks.reduce((n, c) => n + c.length, 0) <= DIRECT_WRITE_MAX) writeAllDirect(fd, chunks);
    else await writeAll(fd, chunks);
    fs.renameSync(tmp, final);
    await Promise.all([fdatasyncFd(fd), syncer.sync(path.dirname(final))]);
  } finally {
    closeQuietly(fd);
  }
}

type DirState = { running: Promise<void> | null; next: Promise<void> | null };

/** Where durable writes are made: in this thread (DirSyncer) or in the file writer thread. */
export interface DurableFiles {
  /** placeDurably: resolves once the file is in place and synced with its directory. */
  place(tmp: string, final: string, chunks: Buffer[]): Promise<void>;
  /** Resolves once a directory fsync that started after this call has finished. */
  sync(dir: string): Promise<void>;
  /** Renames [from, to] pairs (absolute), not synced; which ones were made. */
  renameAll(pairs: readonly [string, string][]): Promise<boolean[]>;
}

/** renameAll in the calling thread: a rename of a name in a large directory costs ~60 µs. */
export function renameAllHere(pairs: readonly [string, string][]): boolean[] {
  return pairs.map(([from, to]) => {
    try {
      fs.renameSync(from, to);
      return true;
    } catch {
      return false;
    }
  });
}

export class DirSyncer implements DurableFiles {
  private readonly dirs = new Map<string, DirState>();

  place(tmp: string, final: string, chunks: Buffer[]): Promise<void> {
    return placeDurably(tmp, final, chunks, this);
  }

  async renameAll(pairs: readonly [string, string][]): Promise<boolean[]> {
    return renameAllHere(pairs);
  }

  sync(dir: string): Promise<void> {
    let st = this.dirs.get(dir);
    if (!st) this.dirs.set(dir, (st = { running: null, next: null }));
    if (!st.running) {
      st.running = this.run(dir, st);
      return st.running;
    }
    // A sync is in flight but may have started before our rename: wait for the one after it.
    if (!st.next) {
      const state = st;
      st.next = state.running!.then(
        () => this.promoteNext(dir, state),
        () => this.promoteNext(dir, state),
      );
    }
    return st.next;
  }

  private promoteNext(dir: string, st: DirState): Promise<void> {
    st.next = null;
    st.running = this.run(dir, st);
    return st.running;
  }

  private async run(dir: string, st: DirState): Promise<void> {
    try {
      const fd = fs.openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        await fsyncFd(fd);
      } finally {
        closeQuietly(fd);
      }
    } finally {
      if (!st.next) {
        st.running = null;
        this.dirs.delete(dir);
      }
    }
  }
}

let counter = 0;
const host = os.hostname().replace(/[/:]/g, '_');

/** A Maildir base name unique on this host: time, microseconds, pid, counter, host. */
export function maildirBaseName(now = Date.now()): string {
  const sec = Math.floor(now / 1000);
  const usec = (now % 1000) * 1000 + Math.floor(Math.random() * 1000);
  counter = (counter + 1) % 1_000_000_000;
  // Zero-padded, so names sort in delivery order (what tools listing a folder by name expect).
  return `${sec}.M${String(usec).padStart(6, '0')}P${process.pid}Q${counter}.${host}`;
}

export async function removeQuietly(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}
