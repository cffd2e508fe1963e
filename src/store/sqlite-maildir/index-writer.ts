// Every SQL statement of the mailbox index, prepared once. Callers wrap writes in transactions.
import { randomInt } from 'node:crypto';
import type { Db } from '../../db/sqlite.ts';
import { formatBodyStructure, formatEnvelope } from '../../mime/imap-format.ts';
import type { ParsedMessage } from '../../mime/parse-message.ts';
import type { MailboxInfo } from '../store.ts';
import { MessageKeys } from './message-keys.ts';
import type { SqlReader } from './sql-reader.ts';
import { parseNumberList } from './number-list.ts';
import { COMPACT_EVERY, compactRanges, consecutiveRuns, type ExpungedRange } from './expunged-ranges.ts';

export type MailboxRow = {
  id: number;
  account_id: number;
  name: string;
  dir: string;
  special_use: string | null;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
  message_count: number;
  total_size: number;
  subscribed: number;
  recent_uid: number;
  /** MAILBOXID (RFC 8474), set by a trigger on insert (schema.ts, step 4). */
  object_id: string;
};

/** A mailboxes row as MailboxRow has it: `subscribed` from the subscription list (schema step 7). */
export const MAILBOX_COLUMNS = `id, account_id, name, dir, special_use, uidvalidity, uidnext, highestmodseq, message_count, total_size, recent_uid, object_id,
  EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = mailboxes.account_id AND s.name = mailboxes.name) AS subscribed`;

export type NewMessage = {
  file: string;
  size: number;
  dataOffset: number;
  internalDate: number;
  flags: number;
  keywords: string | null;
  parsed: ParsedMessage;
};

export const toInfo = (r: MailboxRow): MailboxInfo => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  specialUse: r.special_use,
  uidValidity: r.uidvalidity,
  uidNext: r.uidnext,
  highestModSeq: r.highestmodseq,
  messages: r.message_count,
  size: r.total_size,
  subscribed: r.subscribed !== 0,
  objectId: r.object_id,
});

/** UIDVALIDITY: seconds since the epoch, as Dovecot does, with a random tail against reuse. */
export const newUidValidity = (): number => (Math.floor(Date.now() / 1000) & 0x7fffffff) ^ randomInt(0, 256);

export class IndexWriter {
  private readonly db: Db;
  private readonly q;
  /** SORT/THREAD/PREVIEW keys, written with each message row. */
  readonly keys: MessageKeys;

  constructor(db: Db) {
    this.db = db;
    this.keys = new MessageKeys(db);
    this.q = {
      mailbox: db.prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account_id = ? AND name = ?`),
      mailboxes: db.prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account_id = ? ORDER BY id`),
      subscribe: db.prepare('INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)'),
      insertMailbox: db.prepare(
        'INSERT INTO mailboxes (account_id, name, dir, special_use, uidvalidity) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, name) DO NOTHING',
      ),
      bump: db.prepare(
        `UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1,
           message_count = message_count + 1, total_size = total_size + ?
         WHERE id = ? RETURNING uidnext - 1 AS uid, highestmodseq AS modseq`,
      ),
      insertMessage: db.prepare(
        `INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, file, data_offset,
           envelope, body, sent_date, subject, addr_from, addr_to, addr_cc, addr_bcc, message_id,
           envelope_imap, body_imap, bodystructure_imap, saved_at, sent_local)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      insertFlags: db.prepare('INSERT INTO message_flags (mailbox_id, uid, modseq, flags, keywords) VALUES (?, ?, ?, ?, ?)'),
      usage: db.prepare('SELECT coalesce(sum(total_size), 0) AS n FROM mailboxes WHERE account_id = ?'),
      shrink: db.prepare(
        `UPDATE mailboxes SET highestmodseq = highestmodseq + 1, message_count = message_count - ?, total_size = total_size - ?
         WHERE id = ? RETURNING highestmodseq AS modseq`,
      ),
      deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
      remember: db.prepare('INSERT OR REPLACE INTO expunged (mailbox_id, uid, last_uid, modseq) VALUES (?, ?, ?, ?)'),
      expungedCount: db.prepare('SELECT count(*) AS n FROM expunged WHERE mailbox_id = ?'),
      expungedRows: db.prepare('SELECT uid, last_uid AS last, modseq FROM expunged WHERE mailbox_id = ? ORDER BY uid'),
      forgetExpunged: db.prepare('DELETE FROM expunged WHERE mailbox_id = ?'),
      files: db.prepare(`SELECT m.id, m.uid, m.file, m.size, f.flags, f.keywords FROM messages m
        JOIN message_flags f ON f.mailbox_id = m.mailbox_id AND f.uid = m.uid WHERE m.mailbox_id = ?`),
      setFlags: db.prepare('UPDATE message_flags SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?'),
      bumpModSeq: db.prepare('UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING highestmodseq AS modseq'),
      setFile: db.prepare('UPDATE messages SET file = ? WHERE id = ?'),
    };
  }

  mailbox(accountId: number, name: string): MailboxRow | null {
    return (this.q.mailbox.get(accountId, name) as MailboxRow | undefined) ?? null;
  }

  mailboxRows(accountId: number): MailboxRow[] {
    return this.q.mailboxes.all(accountId) as MailboxRow[];
  }

  listMailboxes(accountId: number): MailboxInfo[] {
    return this.mailboxRows(accountId).map(toInfo);
  }

  /** The mailbox, made (and subscribed when `subscribe`) if it does not exist yet. */
  ensureMailbox(accountId: number, name: string, dir: string, use: string | null, subscribe: boolean): MailboxRow {
    if (this.q.insertMailbox.run(accountId, name, dir, use, newUidValidity()).changes > 0 && subscribe) this.subscribe(accountId, name);
    return this.mailbox(accountId, name)!;
  }

  /** Puts `name` on the account's subscription list; whether it was not there yet. */
  subscribe(accountId: number, name: string): boolean {
    return Number(this.q.subscribe.run(accountId, name).changes) > 0;
  }

  usage(accountId: number): number {
    return (this.q.usage.get(accountId) as { n: number }).n;
  }

  /**
   * The next UID and MODSEQ of a mailbox, counting a new message of `size` bytes. The only place
   * UIDs are handed out: inside the commit, so they ascend in commit order. Call in a transaction.
   */
  allocateUid(mailboxId: number, size: number): { uid: number; modseq: number } {
    const r = this.q.bump.get(size, mailboxId) as { uid: number; modseq: number } | undefined;
    // Deleted after the caller looked it up: the caller's transaction fails, nothing is kept.
    if (r === undefined) throw new Error(`mailbox ${mailboxId} no longer exists`);
    return r;
  }

  /** Assigns the next UID and MODSEQ and writes the row; call inside a transaction. */
  insertMessage(mailboxId: number, m: NewMessage): { id: number; uid: number; modSeq: number } {
    const { uid, modseq } = this.allocateUid(mailboxId, m.size);
    const p = m.parsed;
    const { id } = this.q.insertMessage.get(
      mailboxId, uid, modseq, m.flags, m.keywords, m.internalDate, m.size, m.file, m.dataOffset,
      JSON.stringify(p.envelope), JSON.stringify(p.body), p.date ? p.date.getTime() : null,
      p.subject, p.from, p.to, p.cc, p.bcc, p.messageId,
      formatEnvelope(p.envelope), formatBodyStructure(p.body, false), formatBodyStructure(p.body, true), Date.now(), p.dateLocal,
    ) as { id: number };
    this.q.insertFlags.run(mailboxId, uid, modseq, m.flags, m.keywords);
    this.keys.insert(id, p);
    return { id, uid, modSeq: modseq };
  }

  filesOf(mailboxId: number): { id: number; uid: number; file: string; size: number; flags: number; keywords: string | null }[] {
    return this.q.files.all(mailboxId) as { id: number; uid: number; file: string; size: number; flags: number; keywords: string | null }[];
  }

  /** The mailbox's next MODSEQ, taken; call in a transaction. */
  nextModSeq(mailboxId: number): number {
    return (this.q.bumpModSeq.get(mailboxId) as { modseq: number }).modseq;
  }

  setFlags(mailboxId: number, uid: number, bits: number, keywords: string | null, modSeq: number): void {
    this.q.setFlags.run(bits, keywords, modSeq, mailboxId, uid);
  }

  /** New flags for messages, all under one new MODSEQ (returned); call in a transaction. */
  setFlagsOf(mailboxId: number, changes: readonly { uid: number; flags: number; keywords: string | null }[]): number {
    if (changes.length === 0) return 0;
    const modSeq = this.nextModSeq(mailboxId);
    for (const c of changes) this.setFlags(mailboxId, c.uid, c.flags, c.keywords, modSeq);
    return modSeq;
  }

  /**
   * Deletes rows as an expunge (IMAP EXPUNGE, or files gone from the Maildir): one new MODSEQ,
   * counters adjusted, UIDs remembered for QRESYNC. Returns that MODSEQ; call in a transaction.
   */
  removeMessages(mailboxId: number, rows: readonly { id: number; uid: number; size: number }[]): number {
    if (rows.length === 0) return 0;
    const { modseq } = this.q.shrink.get(rows.length, rows.reduce((n, r) => n + r.size, 0), mailboxId) as { modseq: number };
    for (const r of rows) this.q.deleteMessage.run(r.id);
    const before = (this.q.expungedCount.get(mailboxId) as { n: number }).n;
    const runs = consecutiveRuns(rows.map((r) => r.uid));
    for (const [first, last] of runs) this.q.remember.run(mailboxId, first, last, modseq);
    if (Math.floor((before + runs.length) / COMPACT_EVERY) > Math.floor(before / COMPACT_EVERY)) this.compactExpunged(mailboxId);
    return modseq;
  }

  /** See expunged-ranges.ts; call in a transaction. */
  compactExpunged(mailboxId: number): void {
    const kept = compactRanges(this.q.expungedRows.all(mailboxId) as ExpungedRange[]);
    if (kept === null) return;
    this.q.forgetExpunged.run(mailboxId);
    for (const r of kept) this.q.remember.run(mailboxId, r.uid, r.last, r.modseq);
  }

  updateFile(id: number, file: string): void {
    this.q.setFile.run(file, id);
  }

  /** Ids of every message of the account (for the search index, before a bulk delete). */
  messageIds(accountId: number): number[] {
    return (this.db.prepare('SELECT m.id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = ?').all(accountId) as { id: number }[]).map((r) => r.id);
  }

  /** Every message id, ascending, and the highest id ever given (ids after it are messages
   *  stored since), read together; on the reader thread when there is one. */
  async messageIdList(reader: SqlReader): Promise<{ ids: Float64Array; top: number }> {
    const sql = `SELECT (SELECT group_concat(id) FROM (SELECT id FROM messages ORDER BY id)) AS ids,
                        (SELECT seq FROM sqlite_sequence WHERE name = 'messages') AS top`;
    const row = ((await reader.get(sql, [])) ?? this.db.prepare(sql).get()) as { ids: string | null; top: number | null } | undefined;
    return { ids: parseNumberList(row?.ids ?? ''), top: row?.top ?? 0 };
  }

  /** Where the files of messages `ids` are, relative to their account's root. */
  locate(ids: readonly number[]): { id: number; accountId: number; dir: string; file: string; offset: number }[] {
    return this.db
      .prepare(
        `SELECT m.id, b.account_id AS accountId, b.dir, m.file, m.data_offset AS offset
         FROM json_each(?) j JOIN messages m ON m.id = j.value JOIN mailboxes b ON b.id = m.mailbox_id`,
      )
      .all(JSON.stringify(ids)) as { id: number; accountId: number; dir: string; file: string; offset: number }[];
  }

  deleteAccount(accountId: number): void {
    this.db.prepare('DELETE FROM expunged WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)').run(accountId);
    this.db.prepare('DELETE FROM mailboxes WHERE account_id = ?').run(accountId);
    this.db.prepare('DELETE FROM subscriptions WHERE account_id = ?').run(accountId);
  }

  /** Forgets every message of the account and starts its mailboxes over with a new UIDVALIDITY. */
  resetAccount(accountId: number): void {
    this.db.prepare('DELETE FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)').run(accountId);
    this.db.prepare('DELETE FROM expunged WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)').run(accountId);
    // The new UIDVALIDITY must differ from the old one, or clients would trust stale UIDs.
    this.db
      // A new UIDVALIDITY makes a new mailbox for RFC 8474 §4: a new MAILBOXID too.
      .prepare(
        `UPDATE mailboxes SET uidvalidity = max(uidvalidity + 1, ?), uidnext = 1, recent_uid = 1, highestmodseq = 1, message_count = 0, total_size = 0,
           object_id = 'F' || lower(hex(randomblob(12))) WHERE account_id = ?`,
      )
      .run(newUidValidity(), accountId);
  }
}
