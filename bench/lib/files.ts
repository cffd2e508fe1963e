/**
 * Files for a benchmark: a fresh directory per run (removed afterwards unless kept), and
 * waiting until a directory — a Maildir's new/ — holds a number of files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where run directories go, and whether they are kept afterwards. */
export interface RunDirOptions {
  tmp: string;
  keep: boolean;
}

export function makeRunDir(opts: RunDirOptions, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(opts.tmp, `mailhaven-bench-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function removeRunDir(opts: RunDirOptions, dir: string): void {
  if (opts.keep) console.error(`  kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

/** Entries in `dir`; 0 if it does not exist (yet). */
export function countFiles(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** What waitForFiles checks between polls. */
export interface FileWaitServer {
  assertAlive(): void;
  logTail(): string;
}

/**
 * Polls `dir` until it holds `want` files; returns performance.now() at that moment. Throws if
 * the server dies or `deadline` (a performance.now() time) passes.
 */
export async function waitForFiles(dir: string, want: number, server: FileWaitServer, deadline: number, what: string): Promise<number> {
  while (true) {
    const have = countFiles(dir);
    if (have >= want) return performance.now();
    server.assertAlive();
    if (performance.now() > deadline) {
      throw new Error(`${what}: ${have} of ${want} messages in ${dir} when the time ran out\n${server.logTail()}`);
    }
    await sleep(have === 0 ? 20 : 5);
  }
}
