// SEARCH over the mailbox index (RFC 9051 §6.4.4). A Criteria tree becomes, as far as it can,
// one parameterised WHERE over `messages`: flags are bit tests, keywords LIKE on the
// space-delimited list, header fields instr() on the decoded columns, dates UTC day bounds,
// BODY/TEXT of 3+ characters the full-text index's id list (its head column holds the decoded
// header, its body column the decoded body text). What SQL cannot decide (HEADER of other
// fields, BODY/TEXT strings under 3 characters) is decided per row in JS from the file, only
// for the rows the SQL part has already let through; every subtree SQL can decide on its own
// is selected as a 0/1 column, so NOT and OR over mixed subtrees stay exact.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Criteria } from '../search-criteria.ts';
import { FLAG_BITS } from './schema.ts';
import { parseUidList } from './number-list.ts';
import { isAscii } from '../../core/ascii.ts';
import { RowFile } from './search-row.ts';
import { FOLD_FN, fold } from './fold.ts';
import type { FileRow } from './search-row.ts';
import type { SearchHits, SearchScope } from './search-worker.ts';
import type { SqlReader } from './sql-reader.ts';

export type SearchOptions = {
  mailboxId: number;
  criteria: Criteria;
  /** Ids of messages whose decoded header or body text ('text'), or body text only ('body'),
   *  contains the query (3 characters or more). */
  textSearch: (query: string, scope: SearchScope) => Promise<SearchHits>;
  /** The whole message file. */
  readMessage: (row: FileRow) => Promise<Buffer>;
  /** SQL ORDER BY terms over `m` (messages) and `f` (message_flags); UID order when absent. */
  orderBy?: string;
  /** Where a search SQL decides alone is run: another connection, off this thread. */
  reader?: SqlReader;
};

type Sql = { sql: string; params: SQLInputValue[] };

/** A subtree JS evaluates per row; `col` is the index of a selected 0/1 column. */
type Node =
  | { t: 'col'; col: number }
  | { t: 'all' | 'any'; of: Node[] }
  | { t: 'not'; of: Node }
  /** A file test; when `col` is given and that column is 1 the test is skipped (it matched). */
  | { t: 'file'; test: (f: RowFile) => Promise<boolean>; col?: number };

/** exact: SQL decides; otherwise `pre` (when not null) is a necessary condition for a match. */
type Plan = { exact: true; q: Sql } | { exact: false; pre: Sql | null; node: Node };

const TRUE: Sql = { sql: '1', params: [] };
const FALSE: Sql = { sql: '0', params: [] };
const FTS_MIN = 3; // the trigram index answers queries of 3 characters or more
const MAX_INLINE_RANGES = 16;
const DAY_MS = 86_400_000;

/** Parts joined by AND or OR as a balanced tree: "a AND b AND c …" would nest one level per
 *  part, and SQLite refuses an expression over 1,000 deep (a SEARCH of 2,000 keys). */
const join = (parts: Sql[], op: 'AND' | 'OR'): Sql => {
  if (parts.length === 0) return op === 'AND' ? TRUE : FALSE;
  if (parts.length === 1) return parts[0];
  const half = parts.length >> 1;
  const [left, right] = [join(parts.slice(0, half), op), join(parts.slice(half), op)];
  return { sql: `(${left.sql}) ${op} (${right.sql})`, params: [...left.params, ...right.params] };
};

const FIELD_COLUMNS = { subject: 'subject', from: 'addr_from', to: 'addr_to', cc: 'addr_cc', bcc: 'addr_bcc' } as const;

const folding = new WeakSet<DatabaseSync>();

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** Case-insensitive substring of a column. An ASCII needle is a LIKE, which folds ASCII as it
 *  compares (half the time of instr(lower(…)), which copies every value); a needle with other
 *  letters goes through a JS function registered on the connection. */
function substring(db: DatabaseSync, column: string, value: string): Sql {
  const needle = fold(value);
  if (isAscii(needle)) return { sql: `${column} LIKE ? ESCAPE '\\'`, params: ['%' + likeEscape(needle) + '%'] };
  if (!folding.has(db)) {
    db.function(FOLD_FN, { deterministic: true }, (s) => (typeof s === 'string' ? fold(s) : s));
    folding.add(db);
  }
  return { sql: `instr(${FOLD_FN}(${column}), ?) > 0`, params: [needle] };
}

function flagSql(flag: string, set: boolean): Sql {
  if (flag.startsWith('\\')) {
    const lower = flag.toLowerCase();
    const entry = Object.entries(FLAG_BITS).find(([name]) => name.toLowerCase() === lower);
    // \Recent is not stored (search-translate turns RECENT into UIDs); other \-flags never exist
    if (entry === undefined) return set ? FALSE : TRUE;
    return { sql: `(f.flags & ${entry[1]}) ${set ? '!=' : '='} 0`, params: [] };
  }
  const pattern = '% ' + likeEscape(flag.toLowerCase()) + ' %';
  return { sql: `coalesce(lower(f.keywords), '') ${set ? '' : 'NOT '}LIKE ? ESCAPE '\\'`, params: [pattern] };
}

function uidSql(ranges: [number, number][]): Sql {
  if (ranges.length === 0) return FALSE;
  if (ranges.length <= MAX_INLINE_RANGES) {
    return join(ranges.map(([lo, hi]) => (lo === hi ? { sql: 'uid = ?', params: [lo] } : { sql: 'uid BETWEEN ? AND ?', params: [lo, hi] })), 'OR');
  }
  return {
    sql: "EXISTS (SELECT 1 FROM json_each(?) r WHERE uid BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]'))",
    params: [JSON.stringify(ranges)],
  };
}

function dateSql(which: 'internal' | 'sent' | 'saved', cmp: 'before' | 'on' | 'since', day: string): Sql {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (m === null) throw new Error(`search: bad day ${day}`);
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // The sent date is the Date: header's own calendar day (sent_local, schema step 6); without
  // a usable Date: header it is the internal date (as Dovecot does). Rows from before
  // SAVEDATE was kept were saved when they arrived: their internal date.
  const col = which === 'internal' ? 'internal_date' : which === 'saved' ? 'coalesce(saved_at, internal_date)' : 'coalesce(sent_local, internal_date)';
  if (cmp === 'before') return { sql: `${col} < ?`, params: [start] };
  if (cmp === 'since') return { sql: `${col} >= ?`, params: [start] };
  return { sql: `${col} >= ? AND ${col} < ?`, params: [start, start + DAY_MS] };
}

const long = (value: string): boolean => [...value].length >= FTS_MIN;

/** Turns a tree into SQL where it can; `cols` collects the 0/1 columns JS nodes refer to. */
class Planner {
  readonly cols: Sql[] = [];
  /** Some criterion reads message_flags (f): the query joins it only then. */
  usesFlags = false;
  readonly #db: DatabaseSync;
  readonly #fts: Map<string, SearchHits>;

  constructor(db: DatabaseSync, fts: Map<string, SearchHits>) {
    this.#db = db;
    this.#fts = fts;
  }

  #col(q: Sql): Node {
    this.cols.push(q);
    return { t: 'col', col: this.cols.length - 1 };
  }

  #ftsSql(scope: SearchScope, value: string): Sql {
    return { sql: 'id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(this.#fts.get(ftsKey(scope, value))?.ids ?? [])] };
  }

  /**
   * TEXT/BODY of 3 characters or more: the full-text index answers, except for the few
   * messages whose text it holds only in part (capped at MAX_TEXT_CHARS), which are read from
   * their file, all of their text parts, when the index did not find the string already.
   */
  #fullText(scope: SearchScope, value: string): Plan {
    const hits = this.#ftsSql(scope, value);
    const partial = this.#fts.get(ftsKey(scope, value))?.partial ?? [];
    if (partial.length === 0) return { exact: true, q: hits };
    const some = new Set(partial);
    const pre = { sql: `(${hits.sql}) OR id IN (SELECT value FROM json_each(?))`, params: [...hits.params, JSON.stringify(partial)] };
    this.cols.push(hits);
    const col = this.cols.length - 1;
    const test = async (f: RowFile): Promise<boolean> =>
      some.has(f.id) && ((scope === 'text' && (await f.headerContains(value))) || f.wholeBodyContains(value));
    return { exact: false, pre, node: { t: 'file', test, col } };
  }

  plan(c: Criteria): Plan {
    switch (c.op) {
      case 'everything':
        return { exact: true, q: TRUE };
      case 'uid':
        return { exact: true, q: uidSql(c.ranges) };
      case 'flag':
        this.usesFlags = true;
        return { exact: true, q: flagSql(c.flag, c.set) };
      case 'field':
        return { exact: true, q: substring(this.#db, FIELD_COLUMNS[c.field], c.value) };
      case 'date':
        return { exact: true, q: dateSql(c.which, c.cmp, c.day) };
      case 'time':
        return { exact: true, q: { sql: c.cmp === 'before' ? 'internal_date < ?' : 'internal_date >= ?', params: [c.ms] } };
      case 'size':
        return { exact: true, q: { sql: c.cmp === 'larger' ? 'size > ?' : 'size < ?', params: [c.value] } };
      case 'modseq':
        this.usesFlags = true;
        return { exact: true, q: { sql: 'f.modseq >= ?', params: [c.atLeast] } };
      case 'emailid':
        return { exact: true, q: { sql: 'coalesce(m.email_id, m.id) = ?', params: [c.id] } };
      case 'body': {
        if (c.value === '') return { exact: true, q: TRUE }; // every text contains ""
        if (long(c.value)) return this.#fullText('body', c.value);
        const value = c.value;
        return { exact: false, pre: null, node: { t: 'file', test: (f) => f.bodyContains(value) } };
      }
      case 'text': {
        if (c.value === '') return { exact: true, q: TRUE };
        // TEXT = header or body: the index has both. A shorter string needs the file, unless
        // the decoded address and subject columns already match.
        const value = c.value;
        if (long(value)) return this.#fullText('text', value);
        this.cols.push(join(Object.values(FIELD_COLUMNS).map((col) => substring(this.#db, col, value)), 'OR'));
        const col = this.cols.length - 1;
        const test = (f: RowFile): Promise<boolean> => f.textContains(value);
        return { exact: false, pre: null, node: { t: 'file', test, col } };
      }
      case 'header': {
        const name = c.field.toLowerCase();
        if (c.value !== '' && Object.hasOwn(FIELD_COLUMNS, name)) {
          return { exact: true, q: substring(this.#db, FIELD_COLUMNS[name as keyof typeof FIELD_COLUMNS], c.value) };
        }
        const { field, value } = c;
        return { exact: false, pre: null, node: { t: 'file', test: (f) => f.headerField(field, value) } };
      }
      case 'not': {
        const p = this.plan(c.of);
        if (p.exact) return { exact: true, q: { sql: `NOT (${p.q.sql})`, params: p.q.params } };
        return { exact: false, pre: null, node: { t: 'not', of: p.node } };
      }
      case 'all':
      case 'any':
        return this.#combine(c.op, c.of.map((x) => this.plan(x)));
    }
  }

  #combine(op: 'all' | 'any', plans: Plan[]): Plan {
    const sqlOp = op === 'all' ? 'AND' : 'OR';
    const exact = plans.flatMap((p) => (p.exact ? [p.q] : []));
    const mixed = plans.flatMap((p) => (p.exact ? [] : [p]));
    if (mixed.length === 0) return { exact: true, q: join(exact, sqlOp) };
    const nodes: Node[] = [];
    let pre: Sql | null;
    if (op === 'all') {
      // every exact child and every child's necessary condition must hold
      const conds = [...exact, ...mixed.flatMap((p) => (p.pre === null ? [] : [p.pre]))];
      pre = conds.length === 0 ? null : join(conds, 'AND');
    } else {
      // one of them: only a necessary condition when every mixed child has one
      pre = mixed.every((p) => p.pre !== null) ? join([...exact, ...mixed.map((p) => p.pre!)], 'OR') : null;
    }
    if (exact.length > 0) nodes.push(this.#col(join(exact, sqlOp)));
    for (const p of mixed) nodes.push(p.node);
    return { exact: false, pre, node: { t: op, of: nodes } };
  }
}

async function evaluate(n: Node, row: Record<string, unknown>, f: RowFile): Promise<boolean> {
  switch (n.t) {
    case 'col':
      return Number(row[`c${n.col}`]) !== 0;
    case 'not':
      return !(await evaluate(n.of, row, f));
    case 'file':
      if (n.col !== undefined && Number(row[`c${n.col}`]) !== 0) return true;
      return n.test(f);
    case 'all':
      for (const c of n.of) if (!(await evaluate(c, row, f))) return false;
      return true;
    case 'any':
      for (const c of n.of) if (await evaluate(c, row, f)) return true;
      return false;
  }
}

/**
 * Answers of searches SQL decided, per mailbox state: the same search of an unchanged mailbox
 * (a client refreshing a saved search, a filter, a view) is not scanned again. Every change of
 * a flag and every arrival and expunge moves UIDNEXT, the count or HIGHESTMODSEQ, which start
 * the key; header, date and size columns never change. Per connection (tests open several).
 */
const answers = new WeakMap<DatabaseSync, Map<number, { state: string; results: Map<string, Uint32Array> }>>();
const RESULTS_PER_MAILBOX = 32;
const MAILBOXES_KEPT = 16;
/** Longer keys (a big FTS id list among the parameters) are not kept. */
const RESULT_KEY_MAX = 4096;

function resultsOf(db: DatabaseSync, mailboxId: number): Map<string, Uint32Array> | null {
  const row = prepare(db, 'SELECT uidvalidity, uidnext, message_count, highestmodseq FROM mailboxes WHERE id = ?').get(mailboxId) as
    | { uidvalidity: number; uidnext: number; message_count: number; highestmodseq: number }
    | undefined;
  if (row === undefined) return null;
  const state = `${row.uidvalidity}:${row.uidnext}:${row.message_count}:${row.highestmodseq}`;
  let byMailbox = answers.get(db);
  if (byMailbox === undefined) answers.set(db, (byMailbox = new Map()));
  let entry = byMailbox.get(mailboxId);
  if (entry === undefined || entry.state !== state) {
    byMailbox.delete(mailboxId);
    if (byMailbox.size >= MAILBOXES_KEPT) byMailbox.delete(byMailbox.keys().next().value!);
    byMailbox.set(mailboxId, (entry = { state, results: new Map() }));
  }
  return entry.results;
}

function remember(results: Map<string, Uint32Array>, key: string, uids: Uint32Array): void {
  if (results.size >= RESULTS_PER_MAILBOX) results.delete(results.keys().next().value!);
  results.set(key, uids);
}

/** Prepared statements by SQL text, per connection; the shapes of searches repeat. */
const cache = new WeakMap<DatabaseSync, Map<string, StatementSync>>();
const CACHE_MAX = 200;

function prepare(db: DatabaseSync, sql: string): StatementSync {
  let m = cache.get(db);
  if (m === undefined) cache.set(db, (m = new Map()));
  let st = m.get(sql);
  if (st === undefined) {
    if (m.size >= CACHE_MAX) m.clear();
    st = db.prepare(sql);
    m.set(sql, st);
  }
  return st;
}

const ftsKey = (scope: SearchScope, value: string): string => scope + ':' + value;

/** The (scope, string) pairs TEXT/BODY ask the full-text index about, by ftsKey. */
function ftsQueries(c: Criteria, out: Map<string, [SearchScope, string]>): Map<string, [SearchScope, string]> {
  if (c.op === 'body' || c.op === 'text') {
    if (long(c.value)) out.set(ftsKey(c.op, c.value), [c.op, c.value]);
  } else if (c.op === 'not') ftsQueries(c.of, out);
  else if (c.op === 'all' || c.op === 'any') for (const x of c.of) ftsQueries(x, out);
  return out;
}

// Flags and MODSEQ live in their own narrow table (schema.ts, migration 2), joined only when a
// criterion or the order needs them; without it, header, date and size criteria are read
// from the covering index messages_search (migration 5), not from the wide message rows.
const WITH_FLAGS = 'messages m JOIN message_flags f USING (mailbox_id, uid)';
const WITHOUT_FLAGS = 'messages m';

/** UIDs of the messages of the mailbox that match, ascending (or in `orderBy` order). */
export async function searchMessages(db: DatabaseSync, opts: SearchOptions): Promise<number[]> {
  const fts = new Map<string, SearchHits>();
  await Promise.all([...ftsQueries(opts.criteria, new Map())].map(async ([key, [scope, q]]) => fts.set(key, await opts.textSearch(q, scope))));
  const planner = new Planner(db, fts);
  const plan = planner.plan(opts.criteria);
  const FROM = planner.usesFlags || (opts.orderBy ?? '').includes('f.') ? WITH_FLAGS : WITHOUT_FLAGS;
  if (plan.exact) {
    // One string rather than a row object per message: SORT of 100,000 messages returns them all.
    const sql = `SELECT coalesce(group_concat(uid, ','), '') AS uids FROM
      (SELECT uid FROM ${FROM} WHERE mailbox_id = ? AND (${plan.q.sql}) ORDER BY ${opts.orderBy ?? 'uid'})`;
    const params = [opts.mailboxId, ...plan.q.params];
    const results = resultsOf(db, opts.mailboxId);
    const key = sql + '\u0000' + JSON.stringify(params);
    const hit = results?.get(key);
    if (hit !== undefined) return Array.from(hit);
    // On this connection when the reader thread cannot answer (none, or it failed: the query
    // then fails here the same way if the fault was the query's).
    const row = (await opts.reader?.get(sql, params)?.catch(() => undefined)) ?? prepare(db, sql).get(...params);
    const uids = parseUidList((row as { uids: string }).uids);
    if (results !== null && key.length <= RESULT_KEY_MAX) remember(results, key, uids);
    return Array.from(uids);
  }
  const cols = planner.cols.map((c, i) => `(${c.sql}) AS c${i}`);
  const pre = plan.pre ?? TRUE;
  const sql = `SELECT id, uid, file, data_offset${cols.map((c) => ', ' + c).join('')} FROM ${FROM} WHERE mailbox_id = ? AND (${pre.sql}) ORDER BY ${opts.orderBy ?? 'uid'}`;
  const rows = prepare(db, sql).all(...planner.cols.flatMap((c) => c.params), opts.mailboxId, ...pre.params) as Record<string, unknown>[];
  const uids: number[] = [];
  for (const row of rows) {
    const file = new RowFile({ id: Number(row.id), file: String(row.file), data_offset: Number(row.data_offset) }, opts.readMessage);
    if (await evaluate(plan.node, row, file)) uids.push(Number(row.uid));
  }
  return uids;
}
