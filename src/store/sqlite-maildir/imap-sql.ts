// The SQL behind the IMAP operations of the store (mailbox-ops.ts, message-ops.ts), prepared
// once. Callers run writes inside a transaction.
import type { StatementSync } from 'node:sqlite';
import type { Db } from '../../db/sqlite.ts';
import { MAILBOX_COLUMNS, type IndexWriter, type MailboxRow } from './index-writer.ts';
import { parseNumberList, parseUidList } from './number-list.ts';

export { parseUidList } from './number-list.ts';

export type MetaRow = { id: number; uid: number; modseq: number; flags: number; keywords: string | null; size: number; file: string; data_offset: number };
export type FlagRow = { uid: number; modseq: number; flags: number; keywords: string | null };
export type RecordRow = Omit<MetaRow, 'modseq' | 'flags' | 'keywords'> & {
  /** Left out (undefined) by records(…, { flags: false }). */
  modseq?: number;
  flags?: number;
  keywords?: string | null;
  internal_date: number;
  /** Left out (undefined) by records(…, json = false). */
  envelope?: string;
  body?: string;
  /** IMAP wire text, NULL in rows written before schema step 3. */
  envelope_imap: string | null;
  body_imap: string | null;
  bodystructure_imap: string | null;
  /** EMAILID number: the original's row id (schema.ts, step 4). */
  email_id: number;
  /** SAVEDATE, ms since the epoch. */
  saved_at: number;
};

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

/** The message rows with their flags (schema.ts, migration 2). */
const JOINED = 'messages m JOIN message_flags f USING (mailbox_id, uid)';

/** What records() reads: with the envelope and body JSON or not, with the flags or not. */
export type RecordShape = { json: boolean; flags: boolean };

const RECORD_COLUMNS = ({ json, flags }: RecordShape): string =>
  `m.id, m.uid, ${flags ? 'f.modseq, f.flags, f.keywords, ' : ''}m.size, m.internal_date, ${json ? 'm.envelope, m.body, ' : ''}m.data_offset, m.file,
   m.envelope_imap, m.body_imap, m.bodystructure_imap, coalesce(m.email_id, m.id) AS email_id, coalesce(m.saved_at, m.internal_date) AS saved_at`;

const recordsInSql = (shape: RecordShape): string =>
  `SELECT ${RECORD_COLUMNS(shape)} FROM ${shape.flags ? JOINED : 'messages m'} WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`;

/**
 * Many runs (a FETCH of scattered messages): one query over the runs as a JSON array of
 * [low, high] pairs rather than one query per run. CROSS JOIN fixes the loop order (the runs
 * in array order, each an index range in UID order), so rows come out ascending without an
 * ORDER BY, whose sort of 200 wide rows was a third of the query; records() checks it.
 */
const recordsInRunsSql = (shape: RecordShape): string =>
  `SELECT ${RECORD_COLUMNS(shape)}
   FROM json_each(?2) r
   CROSS JOIN messages m ON m.mailbox_id = ?1 AND m.uid BETWEEN r.value ->> 0 AND r.value ->> 1
   ${shape.flags ? 'CROSS JOIN message_flags f ON f.mailbox_id = m.mailbox_id AND f.uid = m.uid' : ''}`;

const SHAPES: readonly RecordShape[] = [
  { json: true, flags: true },
  { json: false, flags: true },
  { json: true, flags: false },
  { json: false, flags: false },
];
const shapeIndex = ({ json, flags }: RecordShape): number => (json ? 0 : 1) + (flags ? 0 : 2);


export class ImapSql {
  private readonly q;
  /** UID allocation and expunge bookkeeping have one owner, the IndexWriter. */
  private readonly index: IndexWriter;

  constructor(db: Db, index: IndexWriter) {
    this.index = index;
    this.q = {
      mailboxById: db.prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE id = ?`),
      metasAfter: db.prepare(`SELECT id, uid, f.modseq, f.flags, f.keywords, size, file, data_offset FROM ${JOINED} WHERE mailbox_id = ? AND uid > ? ORDER BY uid`),
      flagsAfter: db.prepare('SELECT uid, modseq, flags, keywords FROM message_flags WHERE mailbox_id = ? AND uid > ? ORDER BY uid'),
      flagsIn: db.prepare('SELECT uid, modseq, flags, keywords FROM message_flags WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid'),
      uids: db.prepare("SELECT coalesce(group_concat(uid, ','), '') AS uids FROM (SELECT uid FROM message_flags WHERE mailbox_id = ? ORDER BY uid)"),
      firstUnseen: db.prepare('SELECT uid FROM message_flags INDEXED BY message_flags_unseen WHERE mailbox_id = ? AND (flags & 1) = 0 ORDER BY uid LIMIT 1'),
      keywordsUsed: db.prepare(
        "SELECT group_concat(keywords, '') AS keywords FROM (SELECT DISTINCT keywords FROM message_flags INDEXED BY message_flags_keywords WHERE mailbox_id = ? AND keywords IS NOT NULL)",
      ),
      recentFloor: db.prepare('SELECT recent_uid, uidnext FROM mailboxes WHERE id = ?'),
      takeRecent: db.prepare('UPDATE mailboxes SET recent_uid = uidnext WHERE id = ? AND recent_uid < uidnext'),
      // No RETURNING: materialising 100,000 returned rows costs more than the UPDATE itself.
      addBits: db.prepare(
        `UPDATE message_flags SET flags = flags | ?1, modseq = ?2
         WHERE mailbox_id = ?3 AND uid BETWEEN ?4 AND ?5 AND (flags & ?1) != ?1`,
      ),
      removeBits: db.prepare(
        `UPDATE message_flags SET flags = flags & ~?1, modseq = ?2
         WHERE mailbox_id = ?3 AND uid BETWEEN ?4 AND ?5 AND (flags & ?1) != 0`,
      ),
      changedAt: db.prepare(
        "SELECT coalesce(group_concat(uid, ','), '') AS uids FROM (SELECT uid FROM message_flags WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND modseq = ? ORDER BY uid)",
      ),
      flagTextIn: db.prepare(
        `SELECT coalesce(group_concat(uid || ',' || modseq || ',' || flags, ','), '') AS rows
         FROM (SELECT uid, modseq, flags FROM message_flags WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid)`,
      ),
      // Without MODSEQ: one integer a row, UID and the five flag bits packed.
      packedIn: db.prepare(
        `SELECT coalesce(group_concat((uid << 5) | flags, ','), '') AS rows
         FROM (SELECT uid, flags FROM message_flags WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid)`,
      ),
      keywordsIn: db.prepare(
        'SELECT uid, keywords FROM message_flags INDEXED BY message_flags_keywords WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND keywords IS NOT NULL',
      ),
      metasIn: db.prepare(`SELECT id, uid, f.modseq, f.flags, f.keywords, size, file, data_offset FROM ${JOINED} WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`),
      // Every shape of records(): with or without the envelope and body JSON (the largest
      // columns; a LeanRecord reads them if asked) and the flags.
      records: SHAPES.map((shape) => ({ few: db.prepare(recordsInSql(shape)), many: db.prepare(recordsInRunsSql(shape)) })),
      recordJson: db.prepare('SELECT envelope, body FROM messages WHERE id = ?'),
      // CONDSTORE: a scan of the mailbox's narrow rows (no index on modseq: it would double the
      // cost of every flag change, and the scan of 100,000 rows takes milliseconds).
      changedIn: db.prepare(
        "SELECT coalesce(group_concat(uid, ','), '') AS uids FROM (SELECT uid FROM message_flags WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND modseq > ? ORDER BY uid)",
      ),
      vanished: db.prepare('SELECT uid, last_uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid'),
      fileOf: db.prepare('SELECT file FROM messages WHERE mailbox_id = ? AND uid = ?'),
      fileById: db.prepare('SELECT file FROM messages WHERE id = ?'),
      uidById: db.prepare('SELECT uid FROM messages WHERE id = ?'),
      counts: db.prepare(
        `SELECT (SELECT count(*) FROM message_flags INDEXED BY message_flags_unseen WHERE mailbox_id = ?1 AND (flags & 1) = 0) AS unseen,
           (SELECT count(*) FROM message_flags INDEXED BY message_flags_deleted WHERE mailbox_id = ?1 AND (flags & 8) != 0) AS deleted,
           (SELECT count(*) FROM messages WHERE mailbox_id = ?1 AND uid >= (SELECT recent_uid FROM mailboxes WHERE id = ?1)) AS recent`,
      ),
      copyRow: db.prepare(
        `INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, file, data_offset,
           envelope, body, sent_date, subject, addr_from, addr_to, addr_cc, addr_bcc, message_id,
           envelope_imap, body_imap, bodystructure_imap, email_id, saved_at, sent_local)
         SELECT ?1, ?2, ?3, ?4, ?5, internal_date, size, ?6, data_offset,
           envelope, body, sent_date, subject, addr_from, addr_to, addr_cc, addr_bcc, message_id,
           envelope_imap, body_imap, bodystructure_imap, coalesce(email_id, id), ?8, sent_local
         FROM messages WHERE id = ?7 RETURNING id`,
      ),
      copyFlags: db.prepare('INSERT INTO message_flags (mailbox_id, uid, modseq, flags, keywords) VALUES (?, ?, ?, ?, ?)'),
      rename: db.prepare('UPDATE mailboxes SET name = ?, dir = ? WHERE id = ?'),
      deleteMessages: db.prepare('DELETE FROM messages WHERE mailbox_id = ?'),
      deleteExpunged: db.prepare('DELETE FROM expunged WHERE mailbox_id = ?'),
      deleteMailbox: db.prepare('DELETE FROM mailboxes WHERE id = ?'),
      messageIds: db.prepare('SELECT id FROM messages WHERE mailbox_id = ?'),
      unsubscribe: db.prepare('DELETE FROM subscriptions WHERE account_id = ? AND name = ?'),
      subscriptions: db.prepare('SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name'),
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
  changeBits(mailboxId: number, uids: readonly number[], bits: number, add: boolean, modSeq: number): number[] {
    const stmt = add ? this.q.addBits : this.q.removeBits;
    const out: number[] = [];
    for (const [lo, hi] of uidRuns(uids)) {
      if (Number(stmt.run(bits, modSeq, mailboxId, lo, hi).changes) === 0) continue;
      // The changed rows are those that now carry this command's MODSEQ.
      for (const u of parseUidList((this.q.changedAt.get(mailboxId, lo, hi, modSeq) as { uids: string }).uids)) out.push(u);
    }
    return out;
  }

  /** UIDs among `uids` (ascending) whose MODSEQ is above `modSeq`. */
  changedSince(mailboxId: number, uids: readonly number[], modSeq: number): number[] {
    const runs = uidRuns(uids);
    if (runs.length === 0) return [];
    // One query from the first to the last UID: a mailbox with many expunged gaps has as many
    // runs, and few messages changed since a recent MODSEQ, so filtering afterwards is cheaper.
    const found = parseUidList((this.q.changedIn.get(mailboxId, runs[0][0], runs[runs.length - 1][1], modSeq) as { uids: string }).uids);
    if (runs.length === 1) return [...found];
    const out: number[] = [];
    let r = 0;
    for (const u of found) {
      while (r < runs.length && runs[r][1] < u) r++;
      if (r < runs.length && runs[r][0] <= u) out.push(u);
    }
    return out;
  }

  /** Expunged UID ranges remembered with a MODSEQ above `modSeq`, ascending. */
  vanishedSince(mailboxId: number, modSeq: number): [number, number][] {
    const out: [number, number][] = [];
    for (const r of this.q.vanished.all(mailboxId, modSeq) as { uid: number; last_uid: number | null }[]) {
      const prev = out[out.length - 1];
      const last = r.last_uid ?? r.uid;
      // Touching rows (separate expunges) read as one range.
      if (prev !== undefined && r.uid === prev[1] + 1) prev[1] = last;
      else out.push([r.uid, last]);
    }
    return out;
  }

  /** UID, MODSEQ (when asked for) and flag bits of the given UIDs in typed arrays, keywords by UID (FETCH FLAGS). */
  flagTable(
    mailboxId: number,
    uids: readonly number[],
    withModSeq: boolean,
  ): { uids: Uint32Array; modSeqs: Float64Array | null; bits: Uint8Array; keywords: Map<number, string> } {
    const parts: Float64Array[] = [];
    const keywords = new Map<number, string>();
    const per = withModSeq ? 3 : 1;
    let n = 0;
    for (const [lo, hi] of uidRuns(uids)) {
      const stmt = withModSeq ? this.q.flagTextIn : this.q.packedIn;
      const part = parseNumberList((stmt.get(mailboxId, lo, hi) as { rows: string }).rows);
      parts.push(part);
      n += part.length / per;
      this.keywordsIn(mailboxId, lo, hi, keywords);
    }
    const out = { uids: new Uint32Array(n), modSeqs: withModSeq ? new Float64Array(n) : null, bits: new Uint8Array(n), keywords };
    let k = 0;
    for (const part of parts) {
      if (out.modSeqs !== null) {
        for (let i = 0; i < part.length; i += 3, k++) {
          out.uids[k] = part[i];
          out.modSeqs[k] = part[i + 1];
          out.bits[k] = part[i + 2];
        }
      } else {
        for (let i = 0; i < part.length; i++, k++) {
          out.uids[k] = Math.floor(part[i] / 32);
          out.bits[k] = part[i] % 32;
        }
      }
    }
    return out;
  }

  /** Rows for sorted UIDs: runs hold only consecutive asked-for UIDs, so nothing is filtered. */
  private inRuns(stmt: StatementSync, mailboxId: number, uids: readonly number[]): { uid: number }[] {
    return uidRuns(uids).flatMap(([lo, hi]) => stmt.all(mailboxId, lo, hi) as { uid: number }[]);
  }

  /** For UIDs in ascending order (as every caller has them). */
  metas(mailboxId: number, uids: readonly number[]): MetaRow[] {
    return this.inRuns(this.q.metasIn, mailboxId, uids) as MetaRow[];
  }

  /** Rows for FETCH, ascending by UID; without `json`, envelope and body are left out (see
   *  recordJson), without `flags`, the flags and MODSEQ. */
  records(mailboxId: number, uids: readonly number[], shape: RecordShape = { json: true, flags: true }): RecordRow[] {
    const runs = uidRuns(uids);
    const { few, many } = this.q.records[shapeIndex(shape)];
    if (runs.length === 1) return few.all(mailboxId, runs[0][0], runs[0][1]) as RecordRow[];
    if (runs.length <= 4) return runs.flatMap(([lo, hi]) => few.all(mailboxId, lo, hi) as RecordRow[]);
    const rows = many.all(mailboxId, JSON.stringify(runs)) as RecordRow[];
    for (let i = 1; i < rows.length; i++) {
      // Never seen: the plan above cannot reorder; a sort keeps the promise if SQLite ever does.
      if (rows[i].uid <= rows[i - 1].uid) return rows.sort((a, b) => a.uid - b.uid);
    }
    return rows;
  }

  recordJson(id: number): { envelope: string; body: string } | null {
    return (this.q.recordJson.get(id) as { envelope: string; body: string } | undefined) ?? null;
  }

  fileOf(mailboxId: number, uid: number): string | null {
    return (this.q.fileOf.get(mailboxId, uid) as { file: string } | undefined)?.file ?? null;
  }

  fileById(id: number): string | null {
    return (this.q.fileById.get(id) as { file: string } | undefined)?.file ?? null;
  }

  uidById(id: number): number | null {
    return (this.q.uidById.get(id) as { uid: number } | undefined)?.uid ?? null;
  }

  counts(mailboxId: number): { unseen: number; deleted: number; recent: number } {
    return this.q.counts.get(mailboxId) as { unseen: number; deleted: number; recent: number };
  }

  nextModSeq(mailboxId: number): number {
    return this.index.nextModSeq(mailboxId);
  }

  setFlags(mailboxId: number, uid: number, bits: number, keywords: string | null, modSeq: number): void {
    this.index.setFlags(mailboxId, uid, bits, keywords, modSeq);
  }

  /** Every UID of the mailbox with its system flag bits, ascending, in compact arrays. */
  packedList(mailboxId: number): { uids: Uint32Array; bits: Uint8Array } {
    const packed = parseNumberList((this.q.packedIn.get(mailboxId, 0, 0xffffffff) as { rows: string }).rows);
    const uids = new Uint32Array(packed.length);
    const bits = new Uint8Array(packed.length);
    for (let i = 0; i < packed.length; i++) {
      uids[i] = Math.floor(packed[i] / 32);
      bits[i] = packed[i] % 32;
    }
    return { uids, bits };
  }

  /** The keywords of the messages in [lo, hi] that have any, by UID. */
  keywordsIn(mailboxId: number, lo: number, hi: number, into: Map<number, string>): void {
    for (const r of this.q.keywordsIn.all(mailboxId, lo, hi) as { uid: number; keywords: string }[]) into.set(r.uid, r.keywords);
  }

  /** Every UID of the mailbox, ascending, in one compact array (SELECT). */
  uidList(mailboxId: number): Uint32Array {
    const text = (this.q.uids.get(mailboxId) as { uids: string }).uids;
    return parseUidList(text);
  }

  /** The lowest UID without \Seen (0: none) and the keywords in use, for SELECT. */
  selectInfo(mailboxId: number): { firstUnseenUid: number; keywords: string[] } {
    const unseen = this.q.firstUnseen.get(mailboxId) as { uid: number } | undefined;
    const kw = (this.q.keywordsUsed.get(mailboxId) as { keywords: string | null }).keywords;
    const used = new Set<string>();
    for (const k of (kw ?? '').split(' ')) if (k) used.add(k);
    return { firstUnseenUid: unseen?.uid ?? 0, keywords: [...used] };
  }

  /**
   * RFC 3501 §2.3.2: the messages at or above the mailbox's recent floor are \Recent for this
   * session only; the floor moves to UIDNEXT. Call inside a transaction.
   */
  takeRecent(mailboxId: number): { from: number; to: number } {
    const r = this.q.recentFloor.get(mailboxId) as { recent_uid: number; uidnext: number } | undefined;
    if (!r || r.recent_uid >= r.uidnext) return { from: 0, to: 0 };
    this.q.takeRecent.run(mailboxId);
    return { from: r.recent_uid, to: r.uidnext };
  }

  /** A copy of message `sourceId` as the next UID of `mailboxId`, its file at `file`. */
  copyMessage(mailboxId: number, source: MetaRow, file: string): { id: number; uid: number; modSeq: number } {
    const { uid, modseq } = this.index.allocateUid(mailboxId, source.size);
    const { id } = this.q.copyRow.get(mailboxId, uid, modseq, source.flags, source.keywords, file, source.id, Date.now()) as { id: number };
    this.q.copyFlags.run(mailboxId, uid, modseq, source.flags, source.keywords);
    this.index.keys.copy(source.id, id, mailboxId);
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

  /** Adds or removes a name; returns whether the list changed. */
  setSubscribed(accountId: number, name: string, on: boolean): boolean {
    return on ? this.index.subscribe(accountId, name) : Number(this.q.unsubscribe.run(accountId, name).changes) > 0;
  }

  /** Every subscribed name of the account, mailboxes that no longer exist included. */
  subscriptions(accountId: number): string[] {
    return (this.q.subscriptions.all(accountId) as { name: string }[]).map((r) => r.name);
  }
}
