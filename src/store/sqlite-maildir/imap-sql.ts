// The SQL behind the IMAP operations of the store (mailbox-ops.ts, message-ops.ts), prepared
// once. Callers run writes inside a transaction.
import type { StatementSync } from 'node:sqlite';
import type { Db } from '../../db/sqlite.ts';
import type { MailboxRow } from './index-writer.ts';

export type MetaRow = { id: number; uid: number; modseq: number; flags: number; keywords: string | null; size: number; file: string; data_offset: number };
export type FlagRow = { uid: number; modseq: number; flags: number; keywords: string | null };
export type RecordRow = MetaRow & { internal_date: number; envelope: string; body: string };

/** Sorted UIDs as [low, high] runs, so a query per run replaces a query per message.
 *  Unsorted or repeated UIDs are dropped. */
export function uidRuns(uids: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const u of uids) {
    const last = runs[runs.length - 1];
    if (last !== undefined && u === last[1] + 1) last[1] = u;
    else if (last === undefined || u > last[1]) runs.push([u, u]);
  }
  return runs;
}

export class ImapSql {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      mailboxById: db.prepare('SELECT * FROM mailboxes WHERE id = ?'),
      metasAfter: db.prepare('SELECT id, uid, modseq, flags, keywords, size, file, data_offset FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid'),
      flagsAfter: db.prepare('SELECT uid, modseq, flags, keywords FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid'),
      flagsIn: db.prepare('SELECT uid, modseq, flags, keywords FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid'),
      addBits: db.prepare(
        `UPDATE messages SET flags = flags | ?1, modseq = ?2
         WHERE mailbox_id = ?3 AND uid BETWEEN ?4 AND ?5 AND (flags & ?1) != ?1 RETURNING uid, modseq, flags, keywords`,
      ),
      removeBits: db.prepare(
        `UPDATE messages SET flags = flags & ~?1, modseq = ?2
         WHERE mailbox_id = ?3 AND uid BETWEEN ?4 AND ?5 AND (flags & ?1) != 0 RETURNING uid, modseq, flags, keywords`,
      ),
      metasIn: db.prepare('SELECT id, uid, modseq, flags, keywords, size, file, data_offset FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid'),
      recordsIn: db.prepare(
        `SELECT id, uid, modseq, flags, keywords, size, internal_date, envelope, body, data_offset, file
         FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`,
      ),
      fileOf: db.prepare('SELECT file FROM messages WHERE mailbox_id = ? AND uid = ?'),
      counts: db.prepare(
        'SELECT coalesce(sum((flags & 1) = 0), 0) AS unseen, coalesce(sum((flags & 8) != 0), 0) AS deleted FROM messages WHERE mailbox_id = ?',
      ),
      setFlags: db.prepare('UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE id = ?'),
      nextModSeq: db.prepare('UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ? RETURNING highestmodseq AS modseq'),
      shrink: db.prepare(
        `UPDATE mailboxes SET highestmodseq = highestmodseq + 1, message_count = message_count - ?, total_size = total_size - ?
         WHERE id = ? RETURNING highestmodseq AS modseq`,
      ),
      deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
      remember: db.prepare('INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)'),
      grow: db.prepare(
        `UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1,
           message_count = message_count + 1, total_size = total_size + ?
         WHERE id = ? RETURNING uidnext - 1 AS uid, highestmodseq AS modseq`,
      ),
      copyRow: db.prepare(
        `INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, file, data_offset,
           envelope, body, sent_date, subject, addr_from, addr_to, addr_cc, addr_bcc, message_id)
         SELECT ?, ?, ?, flags, keywords, internal_date, size, ?, data_offset,
           envelope, body, sent_date, subject, addr_from, addr_to, addr_cc, addr_bcc, message_id
         FROM messages WHERE id = ? RETURNING id`,
      ),
      rename: db.prepare('UPDATE mailboxes SET name = ?, dir = ? WHERE id = ?'),
      deleteMessages: db.prepare('DELETE FROM messages WHERE mailbox_id = ?'),
      deleteExpunged: db.prepare('DELETE FROM expunged WHERE mailbox_id = ?'),
      deleteMailbox: db.prepare('DELETE FROM mailboxes WHERE id = ?'),
      messageIds: db.prepare('SELECT id FROM messages WHERE mailbox_id = ?'),
      subscribe: db.prepare('UPDATE mailboxes SET subscribed = ? WHERE account_id = ? AND name = ?'),
    };
  }

  mailboxById(id: number): MailboxRow | null {
    return (this.q.mailboxById.get(id) as MailboxRow | undefined) ?? null;
  }

  metasAfter(mailboxId: number, afterUid: number): MetaRow[] {
    return this.q.metasAfter.all(mailboxId, afterUid) as MetaRow[];
  }

  /** UID, MODSEQ and flags only: what SELECT and flag fetches need. */
  flagsAfter(mailboxId: number, afterUid: number): FlagRow[] {
    return this.q.flagsAfter.all(mailboxId, afterUid) as FlagRow[];
  }

  flags(mailboxId: number, uids: readonly number[]): FlagRow[] {
    return this.inRuns(this.q.flagsIn, mailboxId, uids) as FlagRow[];
  }

  /**
   * Sets (or clears) system flag bits on the UIDs in one statement per run, only where that
   * changes something; returns the changed rows. The caller has reserved `modSeq`.
   */
  changeBits(mailboxId: number, uids: readonly number[], bits: number, add: boolean, modSeq: number): FlagRow[] {
    const stmt = add ? this.q.addBits : this.q.removeBits;
    const rows = uidRuns(uids).flatMap(([lo, hi]) => stmt.all(bits, modSeq, mailboxId, lo, hi) as FlagRow[]);
    return rows.sort((a, b) => a.uid - b.uid);
  }

  /** Rows for sorted UIDs: runs hold only consecutive asked-for UIDs, so nothing is filtered. */
  private inRuns(stmt: StatementSync, mailboxId: number, uids: readonly number[]): { uid: number }[] {
    return uidRuns(uids).flatMap(([lo, hi]) => stmt.all(mailboxId, lo, hi) as { uid: number }[]);
  }

  /** For UIDs in ascending order (as every caller has them). */
  metas(mailboxId: number, uids: readonly number[]): MetaRow[] {
    return this.inRuns(this.q.metasIn, mailboxId, uids) as MetaRow[];
  }

  records(mailboxId: number, uids: readonly number[]): RecordRow[] {
    return this.inRuns(this.q.recordsIn, mailboxId, uids) as RecordRow[];
  }

  fileOf(mailboxId: number, uid: number): string | null {
    return (this.q.fileOf.get(mailboxId, uid) as { file: string } | undefined)?.file ?? null;
  }

  counts(mailboxId: number): { unseen: number; deleted: number } {
    return this.q.counts.get(mailboxId) as { unseen: number; deleted: number };
  }

  nextModSeq(mailboxId: number): number {
    return (this.q.nextModSeq.get(mailboxId) as { modseq: number }).modseq;
  }

  setFlags(id: number, bits: number, keywords: string | null, modSeq: number): void {
    this.q.setFlags.run(bits, keywords, modSeq, id);
  }

  /** Deletes the rows as an expunge, remembering their UIDs; returns the MODSEQ it took. */
  removeMessages(mailboxId: number, rows: readonly MetaRow[]): number {
    const { modseq } = this.q.shrink.get(rows.length, rows.reduce((n, r) => n + r.size, 0), mailboxId) as { modseq: number };
    for (const r of rows) {
      this.q.deleteMessage.run(r.id);
      this.q.remember.run(mailboxId, r.uid, modseq);
    }
    return modseq;
  }

  /** A copy of message `sourceId` as the next UID of `mailboxId`, its file at `file`. */
  copyMessage(mailboxId: number, sourceId: number, size: number, file: string): { id: number; uid: number; modSeq: number } {
    const { uid, modseq } = this.q.grow.get(size, mailboxId) as { uid: number; modseq: number };
    const { id } = this.q.copyRow.get(mailboxId, uid, modseq, file, sourceId) as { id: number };
    return { id, uid, modSeq: modseq };
  }

  renameMailbox(id: number, name: string, dir: string): void {
    this.q.rename.run(name, dir, id);
  }

  deleteMailbox(id: number): void {
    this.q.deleteMessages.run(id);
    this.q.deleteExpunged.run(id);
    this.q.deleteMailbox.run(id);
  }

  messageIds(mailboxId: number): number[] {
    return (this.q.messageIds.all(mailboxId) as { id: number }[]).map((r) => r.id);
  }

  setSubscribed(accountId: number, name: string, on: boolean): number {
    return Number(this.q.subscribe.run(on ? 1 : 0, accountId, name).changes);
  }
}
