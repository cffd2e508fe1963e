// SQL of the outbound queue (the tables in schema.ts). Synchronous node:sqlite underneath,
// used by the runner, enqueue and the `mailhaven queue` CLI alike.
import { migrate, transaction, type Db } from '../db/sqlite.ts';
import { QUEUE_MIGRATIONS } from './schema.ts';

export type RecipientState = 'queued' | 'inflight' | 'delivered' | 'bounced' | 'expired' | 'removed';

export type QueuedMessage = {
  id: string;
  sender: string;
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
  size: number;
  file: string;
  messageId: string;
  origin: string;
  originSid: string | null;
  account: string | null;
  createdAt: number;
};

export type QueuedRecipient = {
  id: number;
  queueId: string;
  address: string;
  domain: string;
  /** Comma list as in NOTIFY=, or null when the client gave none. */
  notify: string | null;
  orcpt: string | null;
  state: RecipientState;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  lastCode: number | null;
  lastReply: string | null;
  lastHost: string | null;
  delayNotified: boolean;
};

type MessageRow = {
  id: string; sender: string; ret: string | null; envid: string | null; size: number; file: string;
  message_id: string; origin: string; origin_sid: string | null; account: string | null; created_at: number;
};
type RecipientRow = {
  id: number; queue_id: string; address: string; domain: string; notify: string | null; orcpt: string | null;
  state: string; attempts: number; next_attempt_at: number; last_attempt_at: number | null; last_code: number | null;
  last_reply: string | null; last_host: string | null; delay_notified: number;
};

const toMessage = (r: MessageRow): QueuedMessage => ({
  id: r.id,
  sender: r.sender,
  ret: r.ret === 'FULL' || r.ret === 'HDRS' ? r.ret : null,
  envid: r.envid,
  size: r.size,
  file: r.file,
  messageId: r.message_id,
  origin: r.origin,
  originSid: r.origin_sid,
  account: r.account,
  createdAt: r.created_at,
});

const toRecipient = (r: RecipientRow): QueuedRecipient => ({
  id: r.id,
  queueId: r.queue_id,
  address: r.address,
  domain: r.domain,
  notify: r.notify,
  orcpt: r.orcpt,
  state: r.state as RecipientState,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastCode: r.last_code,
  lastReply: r.last_reply,
  lastHost: r.last_host,
  delayNotified: r.delay_notified !== 0,
});

/**
 * The finished messages, through their markers (exported so a test can check its plan). The
 * NOT EXISTS re-checks each marked message by the queue_id index, so a message is never
 * deleted while a recipient is live, whatever set its marker. CROSS JOIN fixes the loop order
 * (SQLite's rule for it): left alone, the planner may scan every message and probe the markers.
 */
export const FINISHED_SQL = `SELECT m.* FROM queue_finished f CROSS JOIN queue_messages m ON m.id = f.queue_id
  WHERE NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.queue_id = m.id AND r.state IN ('queued','inflight'))`;

export type NewRecipient = { address: string; domain: string; notify: string | null; orcpt: string | null };

/** What one attempt did to one recipient. */
export type Outcome =
  | { kind: 'delivered'; code: number; reply: string; host: string }
  | { kind: 'bounced' | 'expired'; code: number; reply: string; host: string | null }
  | { kind: 'deferred'; code: number | null; reply: string; host: string | null; nextAttemptAt: number; delayNotified: boolean };

export class QueueStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    migrate(db, 'queue', QUEUE_MIGRATIONS);
  }

  insert(m: QueuedMessage, recipients: NewRecipient[], now: number): void {
    transaction(this.db, () => {
      this.db
        .prepare('INSERT INTO queue_messages (id, sender, ret, envid, size, file, message_id, origin, origin_sid, account, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)')
        .run(m.id, m.sender, m.ret, m.envid, m.size, m.file, m.messageId, m.origin, m.originSid, m.account, m.createdAt);
      const ins = this.db.prepare('INSERT INTO queue_recipients (queue_id, address, domain, notify, orcpt, next_attempt_at) VALUES (?,?,?,?,?,?)');
      for (const r of recipients) ins.run(m.id, r.address, r.domain, r.notify, r.orcpt, now);
      // No recipient to wait for (enqueue refuses this; the store stays consistent anyway).
      if (recipients.length === 0) this.db.prepare('INSERT INTO queue_finished (queue_id) VALUES (?)').run(m.id);
    });
  }

  /** Rows a previous run left in flight (it stopped or crashed mid-attempt) go back to the queue. */
  releaseInflight(now: number): number {
    return Number(this.db.prepare("UPDATE queue_recipients SET state = 'queued', next_attempt_at = ? WHERE state = 'inflight'").run(now).changes);
  }

  /** Claims due recipients (queued, next_attempt_at reached), oldest first. */
  claimDue(now: number, limit: number): QueuedRecipient[] {
    return transaction(this.db, () => {
      const rows = this.db
        .prepare("SELECT * FROM queue_recipients WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?")
        .all(now, limit) as RecipientRow[];
      const upd = this.db.prepare("UPDATE queue_recipients SET state = 'inflight' WHERE id = ?");
      for (const r of rows) upd.run(r.id);
      return rows.map((r) => ({ ...toRecipient(r), state: 'inflight' as const }));
    });
  }

  /** Puts claimed rows back untouched (shutdown before their attempt started). */
  release(ids: number[]): void {
    const upd = this.db.prepare("UPDATE queue_recipients SET state = 'queued' WHERE id = ? AND state = 'inflight'");
    transaction(this.db, () => {
      for (const id of ids) upd.run(id);
    });
  }

  /** Records an attempt's outcome; a row removed meanwhile by the CLI stays removed. */
  record(id: number, o: Outcome, now: number): void {
    const state = o.kind === 'deferred' ? 'queued' : o.kind;
    const next = o.kind === 'deferred' ? o.nextAttemptAt : 0;
    this.db
      .prepare(
        `UPDATE queue_recipients SET state = ?, attempts = attempts + 1, next_attempt_at = ?, last_attempt_at = ?,
           last_code = ?, last_reply = ?, last_host = ?, delay_notified = MAX(delay_notified, ?)
         WHERE id = ? AND state = 'inflight'`,
      )
      .run(state, next, now, o.code, o.reply, o.host, o.kind === 'deferred' && o.delayNotified ? 1 : 0, id);
  }

  message(id: string): QueuedMessage | null {
    const r = this.db.prepare('SELECT * FROM queue_messages WHERE id = ?').get(id) as MessageRow | undefined;
    return r ? toMessage(r) : null;
  }

  recipients(queueId: string): QueuedRecipient[] {
    return (this.db.prepare('SELECT * FROM queue_recipients WHERE queue_id = ? ORDER BY id').all(queueId) as RecipientRow[]).map(toRecipient);
  }

  /** Messages with at least one recipient still queued or in flight, oldest first. */
  active(): { message: QueuedMessage; recipients: QueuedRecipient[] }[] {
    const msgs = this.db
      .prepare("SELECT * FROM queue_messages WHERE id IN (SELECT queue_id FROM queue_recipients WHERE state IN ('queued','inflight')) ORDER BY created_at, id")
      .all() as MessageRow[];
    return msgs.map((m) => ({ message: toMessage(m), recipients: this.recipients(m.id) }));
  }

  /**
   * Messages whose every recipient reached a final state: their rows go, the caller removes the
   * files (a crash before it does leaves an orphan file, which start-up's sweep removes). Reads
   * only the messages marked finished (schema.ts), however many others wait in the queue.
   */
  takeFinished(): QueuedMessage[] {
    // Most polls find nothing: no write lock for them.
    if (!this.db.prepare('SELECT 1 FROM queue_finished LIMIT 1').get()) return [];
    return transaction(this.db, () => {
      const rows = this.db.prepare(FINISHED_SQL).all() as MessageRow[];
      const del = this.db.prepare('DELETE FROM queue_messages WHERE id = ?');
      const unmark = this.db.prepare('DELETE FROM queue_finished WHERE queue_id = ?');
      for (const r of rows) {
        del.run(r.id);
        // The foreign key's cascade does this too, unless a connection turned foreign keys off.
        unmark.run(r.id);
      }
      return rows.map(toMessage);
    });
  }

  /** Files named by a message row, to tell orphans in data/queue/ from live ones. */
  files(): Set<string> {
    return new Set((this.db.prepare('SELECT file FROM queue_messages').all() as { file: string }[]).map((r) => r.file));
  }

  /** `queue retry` / `flush`: queued recipients (of one message, or all) become due now. */
  makeDue(now: number, queueId?: string): number {
    const sql = "UPDATE queue_recipients SET next_attempt_at = ? WHERE state = 'queued'" + (queueId ? ' AND queue_id = ?' : '');
    const r = queueId ? this.db.prepare(sql).run(now, queueId) : this.db.prepare(sql).run(now);
    return Number(r.changes);
  }

  /** `queue remove`: every recipient not yet final is dropped without a bounce. */
  remove(queueId: string): number {
    return Number(this.db.prepare("UPDATE queue_recipients SET state = 'removed' WHERE queue_id = ? AND state IN ('queued','inflight')").run(queueId).changes);
  }
}
