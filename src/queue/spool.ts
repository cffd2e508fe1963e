// Message files of the outbound queue, one per queued message under data/queue/. Written as
// the store writes Maildir files: temp name, rename, then file and directory fsynced, so
// enqueue() resolves only once a crash cannot lose the message.
import { mkdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DirSyncer, placeDurably, removeQuietly } from '../store/sqlite-maildir/durable-fs.ts';

export class Spool {
  readonly dir: string;
  private readonly syncer = new DirSyncer();

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Writes the message durably; returns the file name (relative to the spool). */
  async write(queueId: string, message: Buffer): Promise<string> {
    const name = `${queueId}.eml`;
    await placeDurably(path.join(this.dir, `${queueId}.tmp`), path.join(this.dir, name), [message], this.syncer);
    return name;
  }

  read(name: string): Promise<Buffer> {
    return readFile(path.join(this.dir, path.basename(name)));
  }

  remove(name: string): Promise<void> {
    return removeQuietly(path.join(this.dir, path.basename(name)));
  }

  /**
   * Files no message row names: written but never committed (a crash between the file and
   * the row), or left after their row went. Only files older than `minAgeMs`, so an enqueue
   * in progress (file written, row not yet) is left alone.
   */
  async sweep(live: Set<string>, minAgeMs: number): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (live.has(name)) continue;
      const st = await stat(path.join(this.dir, name)).catch(() => null);
      if (!st || Date.now() - st.mtimeMs < minAgeMs) continue;
      await this.remove(name);
      n++;
    }
    return n;
  }
}
