// File names that carry their message's flags, so that Dovecot, mutt and our own rebuild
// (`store repair`) read the same flags the index has: "cur/<base>:2,<system><keywords>". The
// index is the truth; after a flag change the files are renamed to match, in the background
// (a STORE of 100,000 messages answers at once and renames in turns of RENAMES_PER_TURN).
// Renames are not synced: after a crash a name may show older flags, which only another
// program would read; the index keeps the new ones.
import fs from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { transaction } from '../../db/sqlite.ts';
import { infoLetters, keywordList } from './flags.ts';
import { keywordLetters } from './maildir-keywords.ts';
import { baseOf } from './paths.ts';
import type { StoreContext } from './store-context.ts';

/** Renames in one turn of the event loop: ~5 ms of work, so other sessions wait no longer. */
const RENAMES_PER_TURN = 500;

/** The name, relative to `folder` (absolute), that a message with these flags has. */
export function nameWithFlags(folder: string, file: string, bits: number, keywords: string | null): string {
  return `cur/${baseOf(path.basename(file))}:2,${infoLetters(bits)}${keywordLetters(folder, keywordList(keywords))}`;
}

type Job = { root: string; mailboxId: number; uids: number[] };

export class FlagNames {
  private readonly ctx: Pick<StoreContext, 'db' | 'sql' | 'index'>;
  private readonly queue: Job[] = [];
  private scheduled = false;

  constructor(ctx: Pick<StoreContext, 'db' | 'sql' | 'index'>) {
    this.ctx = ctx;
  }

  /** After a flag change of `uids` in a mailbox of the account at `root`: rename their files. */
  follow(root: string, mailboxId: number, uids: readonly number[]): void {
    if (uids.length === 0) return;
    this.queue.push({ root, mailboxId, uids: [...uids].sort((a, b) => a - b) });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.turn());
    }
  }

  /** Everything still queued, now (the store is closing). */
  flush(): void {
    while (this.queue.length > 0) this.take(Infinity);
  }

  private turn(): void {
    this.scheduled = false;
    this.take(RENAMES_PER_TURN);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.turn());
    }
  }

  private take(budget: number): void {
    while (budget > 0 && this.queue.length > 0) {
      const job = this.queue[0];
      const part = job.uids.splice(0, budget);
      if (job.uids.length === 0) this.queue.shift();
      budget -= part.length;
      this.rename(job.root, job.mailboxId, part);
    }
  }

  /** Renames and records the new names in one synchronous step: no other code of this process
   *  sees a file under a name the index does not have (readers retry: readCurrent). */
  private rename(root: string, mailboxId: number, uids: number[]): void {
    const { db, sql, index } = this.ctx;
    const mb = sql.mailboxById(mailboxId);
    if (mb === null) return;
    const folder = path.join(root, mb.dir);
    const renamed: { id: number; file: string }[] = [];
    for (const r of sql.metas(mailboxId, uids)) {
      const want = nameWithFlags(folder, r.file, r.flags, r.keywords);
      if (want === r.file) continue;
      try {
        fs.renameSync(path.join(folder, r.file), path.join(folder, want));
        renamed.push({ id: r.id, file: want });
      } catch {
        // Gone or renamed by another program: the next start-up's reconcile follows it.
      }
    }
    if (renamed.length > 0) transaction(db, () => renamed.forEach((r) => index.updateFile(r.id, r.file)));
  }
}

/**
 * A message file read by the name the caller had; if that name is gone (renamed for its flags
 * since the caller read it), by the one the index has now; if that is gone too (another
 * program, mutt say, renamed or moved it), by `relocate`, which looks for it.
 */
export async function readCurrent(dir: string, file: string, current: () => string | null, relocate?: (file: string) => Promise<string | null>): Promise<Buffer> {
  try {
    return await readFile(path.join(dir, file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const now = current();
    if (now !== null && now !== file) {
      try {
        return await readFile(path.join(dir, now));
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code !== 'ENOENT') throw again;
      }
    }
    const found = relocate === undefined || now === null ? null : await relocate(now);
    if (found === null) throw e;
    return readFile(path.join(dir, found));
  }
}

/**
 * Where a message file (`file`, relative to `folder`) is now, when another program renamed it
 * (new flags after ":2,") or moved it from new/ to cur/: the name with the same base in cur/ or
 * new/, relative to `folder`; null when it is gone. Lists the folder: for that rare case only.
 */
export async function findByBase(folder: string, file: string): Promise<string | null> {
  const base = baseOf(path.basename(file));
  for (const sub of ['cur', 'new']) {
    const names = await readdir(path.join(folder, sub)).catch(() => [] as string[]);
    const hit = names.find((n) => baseOf(n) === base);
    if (hit !== undefined) return `${sub}/${hit}`;
  }
  return null;
}
