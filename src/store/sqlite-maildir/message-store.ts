// MessageStore on Maildir++ files plus a SQLite index (DESIGN.md "Storage").
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../../db/sqlite.ts';
import { GroupCommit } from '../../db/group-commit.ts';
import { migrate, transaction } from '../../db/sqlite.ts';
import type { Logger } from '../../core/logger.ts';
import {
  SPECIAL_FOLDERS,
  type AccountRef,
  type ChangeBus,
  type DeliveryTarget,
  type MailboxInfo,
  type MessageInput,
  type MessageStore,
  type Stored,
} from '../store.ts';
import { DirSyncer, maildirBaseName, moveIntoPlace, removeQuietly, writeFileDurably } from './durable-fs.ts';
import { IndexWriter, type MailboxRow } from './index-writer.ts';
import { accountRoot, folderDir, SUBDIRS } from './paths.ts';
import { catchUpSearch, discoverFolders, reconcileMailbox } from './reconcile.ts';
import { SearchIndex } from './search-index.ts';
import { STORE_MIGRATIONS } from './schema.ts';

export type SqliteMaildirOptions = { db: Db; mailRoot: string; searchFile: string; bus: ChangeBus; log: Logger };

type Written = { target: DeliveryTarget; mailbox: MailboxRow; file: string; full: string; size: number };

export class SqliteMaildirStore implements MessageStore {
  private readonly db: Db;
  private readonly mailRoot: string;
  private readonly bus: ChangeBus;
  private readonly log: Logger;
  private readonly syncer = new DirSyncer();
  private readonly index: IndexWriter;
  private readonly commits: GroupCommit;
  private readonly searchFile: string;
  private searchIndex: SearchIndex | null = null;

  constructor(opts: SqliteMaildirOptions) {
    this.db = opts.db;
    this.mailRoot = opts.mailRoot;
    this.bus = opts.bus;
    this.log = opts.log;
    migrate(this.db, 'store', STORE_MIGRATIONS);
    this.index = new IndexWriter(this.db);
    this.commits = new GroupCommit(this.db);
    this.searchFile = opts.searchFile;
  }

  /** Started on first use, so short CLI commands that never touch text pay nothing. */
  private get search(): SearchIndex {
    return (this.searchIndex ??= new SearchIndex(this.searchFile, this.log));
  }

  async createAccount(account: AccountRef): Promise<void> {
    const root = accountRoot(this.mailRoot, account);
    await this.createFolder(account, root, 'INBOX', null);
    for (const f of SPECIAL_FOLDERS) await this.createFolder(account, root, f.name, f.use);
    // Dovecot and mutt read subscriptions from this file in a Maildir++ root.
    await writeFile(path.join(root, 'subscriptions'), SPECIAL_FOLDERS.map((f) => f.name).join('\n') + '\n');
  }

  private async createFolder(account: AccountRef, root: string, name: string, use: string | null): Promise<MailboxRow> {
    const dir = folderDir(name);
    for (const sub of SUBDIRS) await mkdir(path.join(root, dir, sub), { recursive: true, mode: 0o700 });
    if (dir) await writeFile(path.join(root, dir, 'maildirfolder'), '');
    return this.index.ensureMailbox(account.id, name, dir, use);
  }

  async deleteAccount(account: AccountRef, purge: boolean): Promise<void> {
    const ids = this.index.messageIds(account.id);
    transaction(this.db, () => this.index.deleteAccount(account.id));
    this.search.remove(ids);
    if (purge) await rm(accountRoot(this.mailRoot, account), { recursive: true, force: true });
  }

  async usage(accountId: number): Promise<number> {
    return this.index.usage(accountId);
  }

  async listMailboxes(accountId: number): Promise<MailboxInfo[]> {
    return this.index.listMailboxes(accountId);
  }

  async deliver(message: MessageInput, targets: DeliveryTarget[]): Promise<Stored[]> {
    const written: Written[] = [];
    const tmps: string[] = [];
    try {
      // Phase 1: every copy written, fsynced, renamed into new/, and new/ fsynced.
      await Promise.all(
        targets.map(async (target) => {
          const root = accountRoot(this.mailRoot, target.account);
          const mailbox =
            this.index.mailbox(target.account.id, target.mailbox) ?? (await this.createFolder(target.account, root, target.mailbox, null));
          const size = target.prefix.length + message.content.length;
          const base = maildirBaseName();
          const tmp = path.join(root, mailbox.dir, 'tmp', base);
          const file = `new/${base},S=${size}`;
          const full = path.join(root, mailbox.dir, file);
          tmps.push(tmp);
          await writeFileDurably(tmp, [target.prefix, message.content]);
          await moveIntoPlace(tmp, full);
          written.push({ target, mailbox, file, full, size });
        }),
      );
      await Promise.all([...new Set(written.map((w) => path.dirname(w.full)))].map((d) => this.syncer.sync(d)));
    } catch (e) {
      await Promise.all([...tmps, ...written.map((w) => w.full)].map(removeQuietly));
      throw e;
    }
    // Phase 2: the index rows, all or none; only then is the message visible.
    let stored: (Stored & { modSeq: number; id: number })[];
    try {
      stored = await this.commits.run(() =>
        written.map((w) => {
          const { id, uid, modSeq } = this.index.insertMessage(w.mailbox.id, {
            file: w.file,
            size: w.size,
            dataOffset: w.target.prefix.length,
            internalDate: message.internalDate.getTime(),
            flags: 0,
            keywords: null,
            parsed: message.parsed,
          });
          return { accountId: w.target.account.id, mailboxId: w.mailbox.id, uid, size: w.size, modSeq, id };
        }),
      );
    } catch (e) {
      await Promise.all(written.map((w) => removeQuietly(w.full)));
      throw e;
    }
    for (const s of stored) {
      this.bus.publish({ kind: 'exists', accountId: s.accountId, mailboxId: s.mailboxId, uid: s.uid, modSeq: s.modSeq });
      this.search.add(s.id, message.parsed.text);
    }
    return stored.map(({ modSeq: _m, id: _i, ...s }) => s);
  }

  async reconcile(a: AccountRef, opts: { minAgeMs?: number } = {}): Promise<{ adopted: number; dropped: number }> {
    let adopted = 0;
    let dropped = 0;
    const root = accountRoot(this.mailRoot, a);
    for (const f of await discoverFolders(root)) {
      if (!this.index.mailbox(a.id, f.name)) this.index.ensureMailbox(a.id, f.name, f.dir, null);
    }
    for (const mb of this.index.mailboxRows(a.id)) {
      const r = await reconcileMailbox(this.index, this.db, root, mb, opts.minAgeMs ?? 0, this.search);
      adopted += r.adopted;
      dropped += r.dropped;
      for (const uid of r.adoptedUids) this.bus.publish({ kind: 'exists', accountId: a.id, mailboxId: mb.id, uid, modSeq: 0 });
    }
    const reindexed = await catchUpSearch(this.index, root, a.id, this.search);
    if (reindexed) this.log.info({ event: 'search.catchup', account: `${a.local}@${a.domain}`, messages: reindexed }, 'search index caught up');
    if (adopted || dropped) this.log.info({ event: 'store.reconcile', account: `${a.local}@${a.domain}`, adopted, dropped }, 'index reconciled with the Maildir');
    return { adopted, dropped };
  }

  async rebuild(account: AccountRef): Promise<{ messages: number }> {
    this.search.remove(this.index.messageIds(account.id));
    transaction(this.db, () => this.index.resetAccount(account.id));
    await this.reconcile(account);
    return { messages: this.index.listMailboxes(account.id).reduce((n, m) => n + m.messages, 0) };
  }

  /** Message ids whose text contains `query`; the IMAP SEARCH path filters them by mailbox. */
  searchText(query: string): Promise<number[]> {
    return this.search.search(query);
  }

  async close(): Promise<void> {
    // The database handle belongs to the composition root, which closes it.
    await this.searchIndex?.close();
  }
}
