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
  type PlacedCopy,
  type AppendInput,
  type AppendResult,
  type PreparedAppend,
  type CopyResult,
  type MessageMeta,
  type MessageRecord,
  type MailboxSnapshot,
  type FlagChange,
  type FlagTable,
  type SortCriterion,
  type ThreadInfo,
  MailboxError,
} from '../store.ts';
import { ImapSql } from './imap-sql.ts';
import { createMailbox, deleteMailbox, renameMailbox, setSubscribed, syncSubscriptionsFile } from './mailbox-ops.ts';
import { readSubscriptions } from './subscriptions-file.ts';
import { append, commitAppend, copy, expunge, readRowFile, relocateFile, setFlags, toMeta, writeAppend } from './message-ops.ts';
import type { StoreContext } from './store-context.ts';
import type { Criteria } from '../search-criteria.ts';
import { searchMessages } from './search-messages.ts';
import { previews, sortMessages, threadInfo } from './sort-thread.ts';
import { FileWriter } from './file-writer.ts';
import { FlagNames, readCurrent } from './maildir-names.ts';
import { placeAll, placedPath, removePlaced } from './place-copy.ts';
import { IndexWriter, toInfo, type MailboxRow } from './index-writer.ts';
import { accountRoot, folderDir, SUBDIRS } from './paths.ts';
import { discoverFolders, reconcileMailbox } from './reconcile.ts';
import { SearchIndex, type StoredText } from './search-index.ts';
import { searchDocument } from './search-document.ts';
import type { SearchScope } from './search-index.ts';
import { FLAG_BITS, STORE_MIGRATIONS } from './schema.ts';
import { flagList } from './flags.ts';
import { MetadataSql } from './metadata-sql.ts';
import { UrlAuthKeysSql } from './urlauth-keys-sql.ts';
import { LeanRecord } from './lean-record.ts';
import { SqlReader } from './sql-reader.ts';
import { WalCheckpoints } from '../../db/wal-checkpoints.ts';
import { lowerBound } from '../../core/sorted.ts';

export type SqliteMaildirOptions = { db: Db; mailRoot: string; searchFile: string; bus: ChangeBus; log: Logger };

/** Below this many UIDs flagTable reads the index directly: a lookup costs little. */
const CACHED_FLAGS_MIN = 256;

/** The system flags of each bit combination, as FETCH FLAGS writes them. */
const BITS_TEXT = Array.from({ length: 32 }, (_, bits) => flagList(bits, null).join(' '));

export class SqliteMaildirStore implements MessageStore {
  private readonly db: Db;
  private readonly mailRoot: string;
  private readonly bus: ChangeBus;
  private readonly log: Logger;
  private readonly files = new FileWriter();
  private readonly index: IndexWriter;
  private readonly commits: GroupCommit;
  private readonly searchFile: string;
  private searchIndex: SearchIndex | null = null;
  private readonly sql: ImapSql;
  private readonly reader: SqlReader;
  /** warm() was called: this store serves (a server), rather than running one CLI command. */
  private warmed = false;
  /** close() has begun: a catch-up still running stops (its database is going). */
  private closing = false;
  /** Started by warm(): a server's WAL checkpoints run on the reader thread. */
  private checkpoints: WalCheckpoints | undefined;
  private readonly ctx: StoreContext;
  private readonly uidCache = new Map<number, { key: string; uids: WeakRef<Uint32Array> }>();
  /** The system flags of a whole mailbox in one state (see flagBits), weakly held. */
  private readonly bitsCache = new Map<number, { key: string; table: WeakRef<{ uids: Uint32Array; bits: Uint8Array }> }>();
  readonly metadata: MetadataSql;
  readonly urlauthKeys: UrlAuthKeysSql;

  constructor(opts: SqliteMaildirOptions) {
    this.db = opts.db;
    this.mailRoot = opts.mailRoot;
    this.bus = opts.bus;
    this.log = opts.log;
    migrate(this.db, 'store', STORE_MIGRATIONS);
    this.metadata = new MetadataSql(this.db, this.bus);
    this.urlauthKeys = new UrlAuthKeysSql(this.db);
    // The flags of 100,000 messages are ~3 MB of pages (message_flags); SQLite's default 2 MB
    // cache would read them from the OS again on every SELECT and FETCH FLAGS. Grows on use only.
    this.db.exec('PRAGMA cache_size = -32768');
    this.index = new IndexWriter(this.db);
    this.commits = new GroupCommit(this.db);
    this.searchFile = opts.searchFile;
    this.sql = new ImapSql(this.db, this.index);
    this.reader = new SqlReader(this.db);
    this.ctx = {
      db: this.db,
      index: this.index,
      sql: this.sql,
      mailRoot: this.mailRoot,
      files: this.files,
      commits: this.commits,
      bus: this.bus,
      search: () => this.textIndex,
      reader: this.reader,
      log: this.log,
      names: new FlagNames({ db: this.db, sql: this.sql, index: this.index, files: this.files }),
    };
  }

  /** Started on first use, so short CLI commands that never touch text pay nothing. */
  private get textIndex(): SearchIndex {
    return (this.searchIndex ??= new SearchIndex(this.searchFile, this.log));
  }

  async createAccount(account: AccountRef): Promise<void> {
    const root = accountRoot(this.mailRoot, account);
    await this.createFolder(account, root, 'INBOX', null);
    for (const f of SPECIAL_FOLDERS) await this.createFolder(account, root, f.name, f.use);
    // Dovecot reads subscriptions from this file in a Maildir++ root.
    syncSubscriptionsFile(this.ctx, account);
  }

  /** A folder the server makes (the account's own, or one a delivery names): subscribed. */
  private async createFolder(account: AccountRef, root: string, name: string, use: string | null): Promise<MailboxRow> {
    const dir = folderDir(name);
    for (const sub of SUBDIRS) await mkdir(path.join(root, dir, sub), { recursive: true, mode: 0o700 });
    if (dir) await writeFile(path.join(root, dir, 'maildirfolder'), '');
    return this.index.ensureMailbox(account.id, name, dir, use, true);
  }

  async deleteAccount(account: AccountRef, purge: boolean): Promise<void> {
    const ids = this.index.messageIds(account.id);
    transaction(this.db, () => {
      this.index.deleteAccount(account.id);
      this.metadata.forgetAccount(account.id);
      this.urlauthKeys.forgetAccount(account.id);
    });
    this.textIndex.remove(ids);
    if (purge) await rm(accountRoot(this.mailRoot, account), { recursive: true, force: true });
  }

  async usage(accountId: number): Promise<number> {
    return this.index.usage(accountId);
  }

  async listMailboxes(accountId: number): Promise<MailboxInfo[]> {
    return this.index.listMailboxes(accountId);
  }

  async deliver(message: MessageInput, targets: DeliveryTarget[]): Promise<Stored[]> {
    // Phase 1: every copy written, renamed into new/, and its data and new/ synced.
    const mailboxes: MailboxRow[] = [];
    for (const t of targets) {
      mailboxes.push(this.index.mailbox(t.account.id, t.mailbox) ?? (await this.createFolder(t.account, accountRoot(this.mailRoot, t.account), t.mailbox, null)));
    }
    const placed = await placeAll(this.mailRoot, targets, message.content, this.files);
    // The rows looked up above: a folder deleted meanwhile fails the insert (foreign key),
    // which removes the files and asks the client to try again.
    return this.commit(message, placed, mailboxes);
  }

  discardPlaced(placed: PlacedCopy[]): Promise<void> {
    return removePlaced(this.mailRoot, placed);
  }

  async commitPlaced(message: Omit<MessageInput, 'content'>, placed: PlacedCopy[]): Promise<Stored[]> {
    const mailboxes: MailboxRow[] = [];
    try {
      for (const p of placed) {
        const root = accountRoot(this.mailRoot, p.target.account);
        mailboxes.push(this.index.mailbox(p.target.account.id, p.target.mailbox) ?? (await this.createFolder(p.target.account, root, p.target.mailbox, null)));
      }
    } catch (e) {
      await removePlaced(this.mailRoot, placed);
      throw e;
    }
    return this.commit(message, placed, mailboxes);
  }

  /** Phase 2: the index rows, all or none; only then is the message visible. */
  private async commit(message: Omit<MessageInput, 'content'>, placed: PlacedCopy[], mailboxes: MailboxRow[]): Promise<Stored[]> {
    let stored: (Stored & { modSeq: number; id: number })[];
    try {
      stored = await this.commits.run(() =>
        placed.map((p, i) => {
          const { id, uid, modSeq } = this.index.insertMessage(mailboxes[i].id, {
            file: p.file,
            size: p.size,
            dataOffset: p.target.prefix.length,
            internalDate: message.internalDate.getTime(),
            flags: 0,
            keywords: null,
            parsed: message.parsed,
          });
          return { accountId: p.target.account.id, mailboxId: mailboxes[i].id, uid, size: p.size, modSeq, id };
        }),
      );
    } catch (e) {
      await removePlaced(this.mailRoot, placed);
      throw e;
    }
    stored.forEach((s, i) => {
      this.bus.publish({ kind: 'exists', accountId: s.accountId, mailboxId: s.mailboxId, uid: s.uid, modSeq: s.modSeq });
      const p = placed[i];
      this.textIndex.add(s.id, { file: placedPath(this.mailRoot, p), offset: p.target.prefix.length }, () => searchDocument(p.target.prefix, message.parsed));
    });
    return stored.map(({ modSeq: _m, id: _i, ...s }) => s);
  }

  warm(accounts: readonly AccountRef[] = []): void {
    this.reader.warm();
    this.checkpoints ??= new WalCheckpoints(this.db, () => this.reader.checkpoint());
    if (this.warmed) return;
    this.warmed = true;
    // Searches wait until the catch-up has queued what the index lacks (SearchIndex.holdSearches).
    this.textIndex.holdSearches(this.catchUpSearch(accounts).catch((e: Error) => this.log.error({ event: 'search.error', err: e.message }, 'search index catch-up failed')));
  }

  /**
   * Start-up: the full-text index compared with the messages of `accounts`; what it lacks is
   * queued for the search worker to read from the files, in the background (a lost search.db
   * of 100,000 messages is indexed again while the server already answers).
   */
  private async catchUpSearch(accounts: readonly AccountRef[]): Promise<void> {
    const roots = new Map(accounts.map((a) => [a.id, accountRoot(this.mailRoot, a)]));
    const { ids, top } = await this.index.messageIdList(this.reader);
    const locate = (batch: number[]): Map<number, StoredText> => {
      const found = new Map<number, StoredText>();
      if (this.closing) return found;
      for (const r of this.index.locate(batch)) {
        const root = roots.get(r.accountId);
        if (root !== undefined) found.set(r.id, { file: path.join(root, r.dir, r.file), offset: r.offset });
      }
      return found;
    };
    if (this.closing) return;
    const { missing, stale } = await this.textIndex.catchUp(ids, top, locate);
    if (missing || stale) this.log.info({ event: 'search.catchup', missing, stale }, `search index: ${missing} message(s) to index, ${stale} removed`);
  }

  async reconcile(a: AccountRef, opts: { minAgeMs?: number } = {}): Promise<{ adopted: number; dropped: number }> {
    let adopted = 0;
    let dropped = 0;
    const root = accountRoot(this.mailRoot, a);
    // Folders found in the Maildir (another server's, say): subscribed as its subscriptions
    // file says, or all when it has none.
    const listed = readSubscriptions(root);
    let found = 0;
    for (const f of await discoverFolders(root)) {
      if (this.index.mailbox(a.id, f.name)) continue;
      this.index.ensureMailbox(a.id, f.name, f.dir, null, listed === null || listed.has(f.name));
      found++;
    }
    if (found > 0) syncSubscriptionsFile(this.ctx, a);
    for (const mb of this.index.mailboxRows(a.id)) {
      const r = await reconcileMailbox(this.index, this.db, root, mb, opts.minAgeMs ?? 0, this.textIndex, this.files);
      adopted += r.adopted;
      dropped += r.dropped;
      for (const f of r.torn) this.log.warn({ event: 'store.torn', account: `${a.local}@${a.domain}`, mailbox: mb.name, file: f }, 'file left by a crash before it was synced; not adopted');
      for (const uid of r.adoptedUids) this.bus.publish({ kind: 'exists', accountId: a.id, mailboxId: mb.id, uid, modSeq: 0 });
      this.ctx.names.follow(root, mb.id, r.unnamed);
    }
    if (adopted || dropped) this.log.info({ event: 'store.reconcile', account: `${a.local}@${a.domain}`, adopted, dropped }, 'index reconciled with the Maildir');
    return { adopted, dropped };
  }

  async rebuild(account: AccountRef): Promise<{ messages: number }> {
    this.textIndex.remove(this.index.messageIds(account.id));
    transaction(this.db, () => this.index.resetAccount(account.id));
    await this.reconcile(account);
    return { messages: this.index.listMailboxes(account.id).reduce((n, m) => n + m.messages, 0) };
  }

  /** Message ids whose body text (or with 'text', header or body text) contains `query`; the
   *  IMAP SEARCH path filters them by mailbox. */
  async searchText(query: string, scope: SearchScope = 'body'): Promise<number[]> {
    return (await this.textIndex.search(query, scope)).ids;
  }

  async getMailbox(accountId: number, name: string): Promise<MailboxInfo | null> {
    const row = this.index.mailbox(accountId, name);
    return row ? toInfo(row) : null;
  }

  async mailboxCounts(mailboxId: number): Promise<{ unseen: number; deleted: number; recent: number }> {
    return this.sql.counts(mailboxId);
  }

  createMailbox(account: AccountRef, name: string, specialUse: string | null = null): Promise<MailboxInfo> {
    return createMailbox(this.ctx, account, name, specialUse);
  }

  deleteMailbox(account: AccountRef, name: string): Promise<void> {
    return deleteMailbox(this.ctx, account, name);
  }

  async renameMailbox(account: AccountRef, from: string, to: string): Promise<void> {
    if (from !== 'INBOX') return renameMailbox(this.ctx, account, from, to);
    // RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox and leaves it empty.
    const inbox = this.index.mailbox(account.id, 'INBOX');
    if (!inbox) throw new MailboxError('NONEXISTENT', 'Mailbox does not exist');
    await this.createMailbox(account, to);
    const uids = this.sql.metasAfter(inbox.id, 0).map((r) => r.uid);
    if (uids.length > 0) await this.move(account, inbox.id, uids, to);
  }

  async subscriptions(accountId: number): Promise<string[]> {
    return this.sql.subscriptions(accountId);
  }

  async setSubscribed(account: AccountRef, name: string, subscribed: boolean): Promise<void> {
    setSubscribed(this.ctx, account, name, subscribed);
  }

  async listMessages(mailboxId: number, afterUid = 0): Promise<MessageMeta[]> {
    return this.sql.flagsAfter(mailboxId, afterUid).map(toMeta);
  }

  async selectMailbox(mailboxId: number, claimRecent: boolean): Promise<MailboxSnapshot | null> {
    const row = this.sql.mailboxById(mailboxId);
    if (!row) return null;
    let recent = { from: 0, to: 0 };
    let info = toInfo(row);
    // The floor moves only when something new is there: most SELECTs write nothing.
    if (claimRecent && row.recent_uid < row.uidnext) {
      [recent, info] = transaction(this.db, () => [this.sql.takeRecent(mailboxId), toInfo(this.sql.mailboxById(mailboxId)!)] as const);
    } else if (row.recent_uid < row.uidnext) recent = { from: row.recent_uid, to: row.uidnext }; // shown, left for the next SELECT
    return { info, uids: this.uidList(info), ...this.sql.selectInfo(mailboxId), recent };
  }

  /**
   * The UIDs of a mailbox, read once per state: UIDVALIDITY, UIDNEXT and the message count
   * name a state (UIDNEXT grows with each arrival, the count falls with each expunge), so
   * sessions selecting an unchanged mailbox share one array (weakly held).
   */
  private uidList(info: MailboxInfo): Uint32Array {
    const key = `${info.uidValidity}:${info.uidNext}:${info.messages}`;
    const hit = this.uidCache.get(info.id);
    const cached = hit?.key === key ? hit.uids.deref() : undefined;
    if (cached !== undefined) return cached;
    // Without the flags: reading them too costs SELECT a third more, and a client that
    // fetches them next has the flag table read then (flagBits), once for every session.
    const uids = this.sql.uidList(info.id);
    this.uidCache.set(info.id, { key, uids: new WeakRef(uids) });
    return uids;
  }

  /**
   * The UIDs and system flag bits of a whole mailbox, shared by the sessions that read it in
   * the same state. Every change of a flag, and every arrival and expunge, moves HIGHESTMODSEQ
   * or UIDNEXT or the count, so the key names the state exactly. Null on a miss unless `read`
   * (a FETCH FLAGS of most of the mailbox reads it whole, in one statement).
   */
  private flagBits(info: MailboxInfo, read: boolean): { uids: Uint32Array; bits: Uint8Array } | null {
    const key = `${info.uidValidity}:${info.uidNext}:${info.messages}:${info.highestModSeq}`;
    const hit = this.bitsCache.get(info.id);
    const cached = hit?.key === key ? hit.table.deref() : undefined;
    if (cached !== undefined || !read) return cached ?? null;
    const table = this.sql.packedList(info.id);
    this.bitsCache.set(info.id, { key, table: new WeakRef(table) });
    return table;
  }

  async claimRecent(mailboxId: number): Promise<{ from: number; to: number }> {
    const row = this.sql.mailboxById(mailboxId);
    if (!row || row.recent_uid >= row.uidnext) return { from: 0, to: 0 };
    return transaction(this.db, () => this.sql.takeRecent(mailboxId));
  }

  async messageMetas(mailboxId: number, uids: readonly number[]): Promise<MessageMeta[]> {
    return this.sql.flags(mailboxId, uids).map(toMeta);
  }

  async messageRecords(mailboxId: number, uids: readonly number[], opts: { json?: boolean; flags?: boolean } = {}): Promise<MessageRecord[]> {
    const dir = this.sql.mailboxById(mailboxId)?.dir;
    const sql = this.sql;
    const withJson = opts.json !== false;
    // envelope and body are parsed from their JSON when first read; rows read without it (for
    // FETCH, which takes the ready wire text) read it then.
    return sql.records(mailboxId, uids, { json: withJson, flags: opts.flags !== false }).map(
      (r) => new LeanRecord(r, dir, (id) => (r.envelope !== undefined && r.body !== undefined ? { envelope: r.envelope, body: r.body } : sql.recordJson(id))),
    );
  }

  async readMessage(account: AccountRef, mailboxId: number, uid: number, location?: string): Promise<Buffer | null> {
    // Where the index has the file now (it may have been renamed since `location` was read).
    const current = (): string | null => {
      const mb = this.sql.mailboxById(mailboxId);
      const row = mb ? this.sql.metas(mailboxId, [uid])[0] : undefined;
      const file = row === undefined ? null : this.ctx.names.current(row.id, row.file);
      return mb && file !== null ? path.join(mb.dir, file) : null;
    };
    location ??= current() ?? undefined;
    if (location === undefined) return null;
    const root = accountRoot(this.mailRoot, account);
    // The location comes from messageRecords; never outside the account anyway.
    if (!path.join(root, location).startsWith(root + path.sep)) return null;
    // Renamed by another program (mutt, say) since: found by its base name, and the index follows.
    const relocate = async (): Promise<string | null> => {
      const found = await relocateFile(this.ctx, account, mailboxId, uid);
      const mb = this.sql.mailboxById(mailboxId);
      return found === null || mb === null ? null : path.join(mb.dir, found);
    };
    return readCurrent(root, location, current, relocate).catch(() => null);
  }

  append(account: AccountRef, mailbox: string, messages: readonly AppendInput[]): Promise<AppendResult> {
    return append(this.ctx, account, mailbox, messages);
  }

  async prepareAppend(account: AccountRef, mailbox: string, messages: readonly AppendInput[]): Promise<PreparedAppend> {
    const written = await writeAppend(this.ctx, account, mailbox, messages);
    return { commit: () => commitAppend(this.ctx, account, messages, written) };
  }

  replace(account: AccountRef, fromMailboxId: number, uid: number, mailbox: string, message: AppendInput): Promise<AppendResult> {
    return append(this.ctx, account, mailbox, [message], { mailboxId: fromMailboxId, uid });
  }

  async flagTable(mailboxId: number, uids: readonly number[], withModSeq = true): Promise<FlagTable> {
    const t = (withModSeq ? null : this.cachedFlags(mailboxId, uids)) ?? this.sql.flagTable(mailboxId, uids, withModSeq);
    const flags = new Array<string>(t.uids.length);
    const rendered = new Map<string, string>();
    for (let i = 0; i < t.uids.length; i++) {
      const kw = t.keywords.size === 0 ? undefined : t.keywords.get(t.uids[i]);
      if (kw === undefined) {
        flags[i] = BITS_TEXT[t.bits[i]];
        continue;
      }
      const key = t.bits[i] + kw;
      let text = rendered.get(key);
      if (text === undefined) rendered.set(key, (text = flagList(t.bits[i], kw).join(' ')));
      flags[i] = text;
    }
    return { uids: t.uids, modSeqs: t.modSeqs, flags };
  }

  /** flagTable's answer without MODSEQ from the shared table, when one is at hand for the
   *  mailbox's current state (or worth reading: the caller asks for most of the mailbox). */
  private cachedFlags(mailboxId: number, uids: readonly number[]): ReturnType<ImapSql['flagTable']> | null {
    if (uids.length < CACHED_FLAGS_MIN) return null;
    const row = this.sql.mailboxById(mailboxId);
    if (!row) return null;
    const info = toInfo(row);
    const table = this.flagBits(info, uids.length * 2 >= info.messages);
    if (table === null) return null;
    const out = { uids: new Uint32Array(uids.length), modSeqs: null, bits: new Uint8Array(uids.length), keywords: new Map<number, string>() };
    // Both ascend: find the first, then walk.
    let at = lowerBound(table.uids, uids[0]);
    let n = 0;
    for (const uid of uids) {
      while (at < table.uids.length && table.uids[at] < uid) at++;
      if (at >= table.uids.length) break;
      if (table.uids[at] !== uid) continue;
      out.uids[n] = uid;
      out.bits[n++] = table.bits[at];
    }
    if (n > 0) this.sql.keywordsIn(mailboxId, out.uids[0], out.uids[n - 1], out.keywords);
    return { ...out, uids: out.uids.subarray(0, n), bits: out.bits.subarray(0, n) };
  }

  async setFlags(
    account: AccountRef,
    mailboxId: number,
    uids: readonly number[],
    action: 'set' | 'add' | 'remove',
    flags: readonly string[],
    unchangedSince?: number,
  ): Promise<FlagChange> {
    const mb = this.sql.mailboxById(mailboxId);
    if (!mb || mb.account_id !== account.id) throw new MailboxError('NONEXISTENT', 'Mailbox does not exist');
    const change = setFlags(this.ctx, account.id, mailboxId, uids, action, flags, unchangedSince);
    this.ctx.names.follow(accountRoot(this.mailRoot, account), mailboxId, change.uids);
    return change;
  }

  async changedSince(mailboxId: number, uids: readonly number[], modSeq: number): Promise<number[]> {
    return this.sql.changedSince(mailboxId, uids, modSeq);
  }

  async vanishedSince(mailboxId: number, modSeq: number): Promise<[number, number][]> {
    return this.sql.vanishedSince(mailboxId, modSeq);
  }

  expunge(account: AccountRef, mailboxId: number, uids?: readonly number[]): Promise<number[]> {
    return expunge(this.ctx, account, mailboxId, uids, (r) => (r.flags & FLAG_BITS['\\Deleted']) !== 0);
  }

  async copy(account: AccountRef, fromMailboxId: number, uids: readonly number[], to: string): Promise<CopyResult> {
    const { rows: _rows, ...result } = await copy(this.ctx, account, fromMailboxId, uids, to);
    return result;
  }

  async search(account: AccountRef, mailboxId: number, criteria: Criteria): Promise<number[]> {
    const mb = this.sql.mailboxById(mailboxId);
    if (!mb) return [];
    const dir = path.join(accountRoot(this.mailRoot, account), mb.dir);
    return searchMessages(this.db, {
      mailboxId,
      criteria,
      textSearch: (q, scope) => this.textIndex.search(q, scope),
      readMessage: (row) => readRowFile(this.ctx, account, mailboxId, dir, row),
      reader: this.reader,
    });
  }

  sort(account: AccountRef, mailboxId: number, criteria: Criteria, order: readonly SortCriterion[]): Promise<number[]> {
    return sortMessages(this.ctx, account, mailboxId, criteria, order);
  }

  threadInfo(account: AccountRef, mailboxId: number, uids: readonly number[]): Promise<ThreadInfo[]> {
    return threadInfo(this.ctx, account, mailboxId, uids);
  }

  previews(account: AccountRef, mailboxId: number, uids: readonly number[]): Promise<Map<number, string>> {
    return previews(this.ctx, account, mailboxId, uids);
  }

  async move(account: AccountRef, fromMailboxId: number, uids: readonly number[], to: string): Promise<CopyResult> {
    const { rows: _rows, ...result } = await copy(this.ctx, account, fromMailboxId, uids, to);
    const moved = new Set(result.sourceUids);
    await expunge(this.ctx, account, fromMailboxId, result.sourceUids, (r) => moved.has(r.uid));
    return result;
  }

  async close(): Promise<void> {
    // The database handle belongs to the composition root, which closes it.
    this.closing = true;
    // First, before any wait: its timer must not fire on a database closed meanwhile.
    this.checkpoints?.stop();
    await this.ctx.names.flush();
    // A server drops its index backlog (the next start indexes it); a CLI command finishes it.
    await this.searchIndex?.close(!this.warmed);
    await this.reader.close();
    await this.files.close();
  }
}
