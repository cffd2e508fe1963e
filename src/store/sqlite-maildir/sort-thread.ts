// SORT, THREAD and FETCH PREVIEW over the message_keys table (message-keys.ts): orders in SQL
// where a key allows it, and hands threading its per-message data in one query.
import { readRowFile } from './message-ops.ts';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { parseMessage } from '../../mime/parse-message.ts';
import type { Criteria } from '../search-criteria.ts';
import type { AccountRef, SortCriterion, SortKey, ThreadInfo } from '../store.ts';
import { computeKeys } from './message-keys.ts';
import { accountRoot } from './paths.ts';
import { searchMessages } from './search-messages.ts';
import type { StoreContext } from './store-context.ts';
import { uidRuns } from './imap-sql.ts';

const key = (column: string): string => `(SELECT ${column} FROM message_keys WHERE id = m.id)`;

/** Each sort key as an SQL expression over `m` (messages). RFC 5256 §BASE.6.4.SORT. */
const SORT_SQL: Readonly<Record<SortKey, string>> = {
  arrival: 'm.internal_date',
  // §2.2: the Date: field in UTC; the internal date when it is missing or unusable
  date: 'coalesce(m.sent_date, m.internal_date)',
  size: 'm.size',
  subject: key('subject'),
  from: key('addr_from'),
  to: key('addr_to'),
  cc: key('addr_cc'),
  displayfrom: key('display_from'),
  displayto: key('display_to'),
};

const NEEDS_KEYS = new Set<SortKey>(['subject', 'from', 'to', 'cc', 'displayfrom', 'displayto']);

/** ORDER BY terms; equal keys fall back to mailbox order (the implicit last criterion). */
export function orderBy(order: readonly SortCriterion[]): string {
  return [...order.map((o) => SORT_SQL[o.key] + (o.reverse ? ' DESC' : '')), 'm.uid'].join(', ');
}

const FILL_BATCH = 500;
/** Files read at once while filling: a few, so large messages cannot pile up in memory. */
const FILL_PARALLEL = 8;

/** Computes the keys of messages indexed before message_keys existed, once per mailbox. */
async function ensureKeys(ctx: StoreContext, account: AccountRef, mailboxId: number, dir: string): Promise<void> {
  const keys = ctx.index.keys;
  if (keys.complete.has(mailboxId)) return;
  for (;;) {
    const rows = keys.missing(mailboxId, FILL_BATCH);
    if (rows.length === 0) break;
    for (let i = 0; i < rows.length; i += FILL_PARALLEL) {
      const made = await Promise.all(rows.slice(i, i + FILL_PARALLEL).map(async (r) => {
        const file = await readRowFile(ctx, account, mailboxId, dir, r).catch(() => Buffer.alloc(0));
        return [r.id, computeKeys(parseMessage(file.subarray(Math.min(file.length, r.data_offset))))] as const;
      }));
      for (const [id, row] of made) keys.put(id, row);
    }
    ctx.log.info({ event: 'store.keys', account: `${account.local}@${account.domain}`, mailboxId, messages: rows.length }, 'sort keys computed for older messages');
  }
  keys.complete.add(mailboxId);
}

function mailboxDir(ctx: StoreContext, account: AccountRef, mailboxId: number): string | null {
  const mb = ctx.sql.mailboxById(mailboxId);
  return mb === null ? null : path.join(accountRoot(ctx.mailRoot, account), mb.dir);
}

export async function sortMessages(
  ctx: StoreContext, account: AccountRef, mailboxId: number, criteria: Criteria, order: readonly SortCriterion[],
): Promise<number[]> {
  const dir = mailboxDir(ctx, account, mailboxId);
  if (dir === null) return [];
  if (order.some((o) => NEEDS_KEYS.has(o.key))) await ensureKeys(ctx, account, mailboxId, dir);
  return searchMessages(ctx.db, {
    mailboxId,
    criteria,
    textSearch: (q, scope) => ctx.search().search(q, scope),
    readMessage: (row) => readRowFile(ctx, account, mailboxId, dir, row),
    orderBy: orderBy(order),
    reader: ctx.reader,
  });
}

const statements = new WeakMap<DatabaseSync, { thread: StatementSync; preview: StatementSync }>();

function prepared(db: DatabaseSync): { thread: StatementSync; preview: StatementSync } {
  let st = statements.get(db);
  if (st === undefined) {
    // The UIDs go as a JSON array of [low, high] runs: one query however scattered they are.
    const over = `FROM json_each(?2) r
      CROSS JOIN messages m ON m.mailbox_id = ?1 AND m.uid BETWEEN r.value ->> 0 AND r.value ->> 1
      LEFT JOIN message_keys k ON k.id = m.id`;
    st = {
      thread: db.prepare(
        `SELECT m.uid, coalesce(k.msgid, ''), coalesce(k.refs, ''), coalesce(k.subject, ''),
           coalesce(k.reply, 0), coalesce(m.sent_date, m.internal_date) ${over} ORDER BY m.uid`,
      ),
      preview: db.prepare(`SELECT m.uid, coalesce(k.preview, '') AS preview ${over}`),
    };
    // Rows as arrays: a THREAD of 100,000 messages builds half as much garbage.
    st.thread.setReturnArrays(true);
    statements.set(db, st);
  }
  return st;
}

type ThreadRow = [uid: number, msgid: string, refs: string, subject: string, reply: number, sent: number];

export async function threadInfo(ctx: StoreContext, account: AccountRef, mailboxId: number, uids: readonly number[]): Promise<ThreadInfo[]> {
  const dir = mailboxDir(ctx, account, mailboxId);
  if (dir === null || uids.length === 0) return [];
  await ensureKeys(ctx, account, mailboxId, dir);
  const rows = prepared(ctx.db).thread.all(mailboxId, JSON.stringify(uidRuns(uids))) as unknown as ThreadRow[];
  const none: string[] = [];
  return rows.map(([uid, messageId, refs, subject, reply, sentDate]) => ({
    uid, messageId, references: refs === '' ? none : refs.split(' '), subject, reply: reply !== 0, sentDate,
  }));
}

export async function previews(ctx: StoreContext, account: AccountRef, mailboxId: number, uids: readonly number[]): Promise<Map<number, string>> {
  const dir = mailboxDir(ctx, account, mailboxId);
  if (dir === null || uids.length === 0) return new Map();
  await ensureKeys(ctx, account, mailboxId, dir);
  const rows = prepared(ctx.db).preview.all(mailboxId, JSON.stringify(uidRuns(uids))) as { uid: number; preview: string }[];
  return new Map(rows.map((r) => [r.uid, r.preview]));
}
