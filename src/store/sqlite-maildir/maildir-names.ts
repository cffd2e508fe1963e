// File names that carry their message's flags, so that Dovecot, mutt and our own rebuild
// (`store repair`) read the same flags the index has: "cur/<base>:2,<system><keywords>". The
// index is the truth; after a flag change the files are renamed to match, in the background,
// on the file writer thread (a rename in a large folder costs ~60 µs of kernel time: 6 s for
// a STORE 1:* of 100,000 messages, which must not stall every session), RENAMES_PER_CALL at a
// time; the index learns each new name when its call returns. Meanwhile `current` knows the
// name a file is being given. Renames are not synced: after a crash a name may show older
// flags, which only another program would read; the index keeps the new ones.
import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { transaction } from '../../db/sqlite.ts';
import { infoLetters, keywordList } from './flags.ts';
import { keywordLetters } from './maildir-keywords.ts';
import { baseOf } from './paths.ts';
import type { StoreContext } from './store-context.ts';

/** Renames a call to the writer thread makes: ~6 ms of its time, the longest a write the
 *  thread has waits behind them. */
const RENAMES_PER_CALL = 100;

export type FolderNamer = {
  /** The info part for these flags (keywords as the index keeps them): ":2," and letters. */
  info(bits: number, keywords: string | null): string;
  /**
   * The name, relative to the folder, that the message in `file` has with these flags. A
   * message in new/ without flags stays there: mutt shows those as new, and Dovecot moves
   * them to cur/ itself.
   */
  name(file: string, bits: number, keywords: string | null): string;
};

/** File names for the messages of one folder (absolute); each set of keywords has its letters
 *  looked up once (the folder's dovecot-keywords read, a new keyword numbered there). */
export function folderNamer(folder: string): FolderNamer {
  const known = new Map<string | null, string>();
  const lettersOf = (keywords: string | null): string => {
    let letters = known.get(keywords);
    if (letters === undefined) known.set(keywords, (letters = keywordLetters(folder, keywordList(keywords))));
    return letters;
  };
  return {
    info: (bits, keywords) => `:2,${infoLetters(bits)}${lettersOf(keywords)}`,
    name(file, bits, keywords) {
      const info = this.info(bits, keywords);
      return info === ':2,' && file.startsWith('new/') ? file : `cur/${baseOf(path.basename(file))}${info}`;
    },
  };
}

type Job = { root: string; mailboxId: number; uids: number[] };

export class FlagNames {
  private readonly ctx: Pick<StoreContext, 'db' | 'sql' | 'index' | 'files'>;
  private readonly queue: Job[] = [];
  /** Message id → the name (relative to its folder) its file is being given right now. */
  private readonly renaming = new Map<number, string>();
  private running: Promise<void> | null = null;

  constructor(ctx: Pick<StoreContext, 'db' | 'sql' | 'index' | 'files'>) {
    this.ctx = ctx;
  }

  /** After a flag change of `uids` in a mailbox of the account at `root`: rename their files. */
  follow(root: string, mailboxId: number, uids: readonly number[]): void {
    if (uids.length === 0) return;
    this.queue.push({ root, mailboxId, uids: [...uids].sort((a, b) => a - b) });
    this.running ??= this.pump().finally(() => (this.running = null));
  }

  /** The name of message `id`'s file now: `indexed` (the index's), or the one it is being given. */
  current(id: number, indexed: string | null): string | null {
    return this.renaming.get(id) ?? indexed;
  }

  /** Whether message `id`'s file is being renamed by us right now (its name says nothing new). */
  renamingNow(id: number): boolean {
    return this.renaming.has(id);
  }

  /** Resolves once everything queued has been renamed (the store is closing). */
  async flush(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const job = this.queue[0];
      const part = job.uids.splice(0, RENAMES_PER_CALL);
      if (job.uids.length === 0) this.queue.shift();
      await this.rename(job.root, job.mailboxId, part).catch(() => undefined); // the next start-up's reconcile follows
    }
  }

  private async rename(root: string, mailboxId: number, uids: number[]): Promise<void> {
    const { db, sql, index, files } = this.ctx;
    const mb = sql.mailboxById(mailboxId);
    if (mb === null) return;
    const folder = path.join(root, mb.dir);
    const names = folderNamer(folder);
    const moves: { id: number; from: string; to: string }[] = [];
    for (const r of sql.metas(mailboxId, uids)) {
      const to = names.name(r.file, r.flags, r.keywords);
      if (to !== r.file) moves.push({ id: r.id, from: r.file, to });
    }
    if (moves.length === 0) return;
    for (const m of moves) this.renaming.set(m.id, m.to);
    try {
      const made = await files.renameAll(moves.map((m) => [path.join(folder, m.from), path.join(folder, m.to)]));
      const orphans: string[] = [];
      transaction(db, () => {
        moves.forEach((m, i) => {
          if (!made[i]) return; // gone, or renamed by another program: reconcile follows it
          // Expunged while it was renamed: its unlink missed the new name, so it goes here.
          if (sql.fileById(m.id) === null) orphans.push(path.join(folder, m.to));
          else index.updateFile(m.id, m.to);
        });
      });
      await Promise.all(orphans.map((f) => unlink(f).catch(() => undefined)));
    } finally {
      for (const m of moves) this.renaming.delete(m.id);
    }
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
