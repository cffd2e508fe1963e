// The full-text index runs in its own thread with its own SQLite file (data/search.db):
// trigram indexing costs more CPU than everything else a delivery does, so it stays off the
// thread that answers SMTP, and off the path to "250". The file is derived data: on start the
// store compares the ids it holds with the message ids (`indexed`) and feeds what is missing,
// so a new SCHEMA_VERSION just drops the table and everything is indexed again.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { baseOf } from './paths.ts';
import { fileDocument, type SearchDoc } from './search-document.ts';

/**
 * head: the decoded header text (per-recipient prefix lines included); body: the decoded body
 * text. `file`: the message's text is to be read from its file here, starting at `offset` (the
 * main thread sends that when the index is far behind, and at start-up for what is missing).
 */
export type SearchOp =
  | { add: [id: number, head: string, body: string, partial?: boolean] }
  | { file: [id: number, file: string, offset: number] }
  | { remove: number[] };

/** TEXT looks in the header and the body, BODY in the body only (RFC 9051 §6.4.4). */
export type SearchScope = 'text' | 'body';

/** Index work per transaction (see the queue in main): ~25 ms of it, the longest a search
 *  waits for the worker to turn to it. A change counts 1, a message read from its file 2. */
const CHUNK = 50;

/** How long changes fewer than CHUNK wait for more before they are made. */
const LINGER_MS = 250;

/** 1: one column, the body text. 2: head and body. 3: the body text of every alternative.
 *  4: the head also holds the MIME parts' and enclosed messages' headers (TEXT finds them). */
const SCHEMA_VERSION = 4;

export type SearchRequest =
  | { type: 'batch'; seq: number; ops: SearchOp[] }
  | { type: 'search'; seq: number; query: string; scope: SearchScope }
  | { type: 'indexed'; seq: number }
  | { type: 'close'; seq: number; drain: boolean };

export type SearchReply = { seq: number; ok: true; value?: unknown } | { seq: number; ok: false; error: string };

/** A search's answer: the ids that match, and the ids of messages whose text the index holds
 *  only in part (capped), which the caller must test against the file. */
export type SearchHits = { ids: number[]; partial: number[] };

/**
 * The search document of a stored message, or null when it is gone. A message whose flags
 * changed since its path was taken has been renamed within its folder (new/ to cur/, another
 * ":2," suffix): it is found again by its Maildir base name.
 */
function readDocument(file: string, offset: number): SearchDoc | null {
  let data: Buffer | null = null;
  try {
    data = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return null; // unreadable: not indexed, as if gone
    const base = baseOf(path.basename(file));
    const folder = path.dirname(path.dirname(file));
    for (const sub of ['cur', 'new']) {
      let names: string[];
      try {
        names = readdirSync(path.join(folder, sub));
      } catch {
        continue;
      }
      const name = names.find((n) => baseOf(n) === base);
      if (name === undefined) continue;
      try {
        data = readFileSync(path.join(folder, sub, name));
        break;
      } catch {
        // renamed again meanwhile, or expunged: gone
      }
    }
  }
  return data === null ? null : fileDocument(data, offset);
}

/**
 * Indexing is background work: on Linux this thread runs at nice 19, so when the CPUs are
 * busy (a stream of APPENDs, many clients) the threads that answer clients go first and the
 * index catches up in the slack (at nice 10 its 25 ms bursts still lengthened a one-at-a-time
 * APPEND's p90 from ~2 to ~3 ms). A search still waits for everything queued before it.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
  } catch {
    // not Linux: the thread keeps the process's priority
  }
}

function main(): void {
  const port = parentPort;
  if (!port) return;
  lowerPriority();
  const db = new DatabaseSync((workerData as { file: string }).file, { timeout: 5000 });
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    -- Index merges rewrite many pages: checkpoints (an fsync of the file, which every other
    -- fsync in the process then waits behind) come seldom and coalesce them.
    PRAGMA wal_autocheckpoint = 4000;
    PRAGMA journal_size_limit = 16777216;
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
  const version = db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: number } | undefined;
  if (version?.value !== SCHEMA_VERSION) {
    // Derived data in an older shape (or none yet): start over from an empty index.
    db.exec('BEGIN');
    try {
      db.exec(`
        DROP TABLE IF EXISTS fts;
        DROP TABLE IF EXISTS partial;
        INSERT OR REPLACE INTO meta VALUES ('version', ${SCHEMA_VERSION});
      `);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }
  // Merging fewer, larger runs of segments: about a quarter less CPU per message indexed (a
  // stream of APPENDs), for searches a fraction of a millisecond slower. Kept in the table's
  // config, so set on every start.
  db.exec(`
    CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (head, body, content='', contentless_delete=1, tokenize='trigram');
    DELETE FROM meta WHERE key = 'watermark';
    -- Messages whose text was capped (body-text.ts MAX_TEXT_CHARS): few, each searched in full.
    CREATE TABLE IF NOT EXISTS partial (id INTEGER PRIMARY KEY);
    INSERT INTO fts (fts, rank) VALUES ('automerge', 16);
    INSERT INTO fts (fts, rank) VALUES ('crisismerge', 64);
  `);
  const add = db.prepare('INSERT OR REPLACE INTO fts (rowid, head, body) VALUES (?, ?, ?)');
  const del = db.prepare('DELETE FROM fts WHERE rowid = ?');
  const markPartial = db.prepare('INSERT OR IGNORE INTO partial (id) VALUES (?)');
  const unmarkPartial = db.prepare('DELETE FROM partial WHERE id = ?');
  const partials = db.prepare('SELECT id FROM partial ORDER BY id');
  let anyPartial = (db.prepare('SELECT EXISTS (SELECT 1 FROM partial) AS n').get() as { n: number }).n !== 0;
  const index = (id: number, head: string, body: string, partial: boolean | undefined): void => {
    add.run(id, head, body);
    if (partial === true) {
      markPartial.run(id);
      anyPartial = true;
    } else if (anyPartial) unmarkPartial.run(id);
  };
  const forget = (id: number): void => {
    del.run(id);
    if (anyPartial) unmarkPartial.run(id);
  };
  const match = db.prepare('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid');
  // A contentless FTS5 table keeps a row of sizes per document: the ids it holds.
  const held = db.prepare('SELECT group_concat(id) AS ids FROM (SELECT id FROM fts_docsize ORDER BY id)');

  // Index changes received and not yet made, in order, and the answers owed once the changes
  // before them are made (a batch's acknowledgement, `indexed`, close, a search that must wait
  // for messages to be read). Changes are made CHUNK at a time, one transaction each, with a
  // turn of the event loop between: a search that comes meanwhile is answered at once from
  // the index plus the texts still queued, rather than after a backlog of thousands of
  // messages (a pipelined upload) is indexed. Only messages queued as files (their text not
  // at hand) make a search wait, for those queued before it.
  // FTS5 writes a segment per transaction, so a message alone in its transaction costs about
  // 2.5× what it costs among 50: changes wait up to LINGER_MS for company (a one-at-a-time
  // APPEND stream sends them one by one). Nothing is lost by waiting: searches see the queue,
  // and what a crash or a stop leaves unmade the start-up comparison finds missing.
  // An addition keeps its text in lower case too, for searches while it waits (a few µs a
  // message, next to the ~0.5 ms its indexing costs).
  type Change = { op: SearchOp; lower?: [head: string, body: string] };
  type Owed = { after: number; req: SearchRequest };
  const queue: Change[] = [];
  const owed: Owed[] = [];
  let received = 0; // changes received so far; an Owed is answered once `made` reaches its `after`
  let made = 0;
  let scheduled: 'now' | NodeJS.Timeout | null = null;
  let failed: Error | null = null;
  const reply = (r: SearchReply): void => port.postMessage(r);

  /** Owed answers stay in the order of their `after`. */
  const owe = (o: Owed): void => {
    let i = owed.length;
    while (i > 0 && owed[i - 1].after > o.after) i--;
    owed.splice(i, 0, o);
  };

  const answer = (req: SearchRequest): void => {
    try {
      if (req.type === 'batch') {
        if (failed !== null) reply({ seq: req.seq, ok: false, error: failed.message });
        else reply({ seq: req.seq, ok: true });
        failed = null;
      } else if (req.type === 'search') reply({ seq: req.seq, ok: true, value: search(req.query, req.scope) });
      else if (req.type === 'indexed') reply({ seq: req.seq, ok: true, value: (held.get() as { ids: string | null }).ids ?? '' });
      else {
        db.close();
        reply({ seq: req.seq, ok: true });
      }
    } catch (e) {
      reply({ seq: req.seq, ok: false, error: (e as Error).message });
    }
  };

  const step = (): void => {
    scheduled = null;
    let n = 0;
    if (queue.length > 0) {
      try {
        db.exec('BEGIN');
        try {
          for (let cost = 0; n < queue.length && cost < CHUNK; n++) {
            const { op } = queue[n];
            if ('add' in op) index(op.add[0], op.add[1], op.add[2], op.add[3]);
            else if ('file' in op) {
              const doc = readDocument(op.file[1], op.file[2]);
              if (doc !== null) index(op.file[0], doc[0], doc[1], doc[2]);
              cost++;
            } else for (const id of op.remove) forget(id);
            cost++;
          }
          db.exec('COMMIT');
        } catch (e) {
          db.exec('ROLLBACK');
          throw e;
        }
      } catch (e) {
        failed = e as Error; // told to the batch acknowledged next
        n = Math.min(queue.length, n + 1); // past the change that failed, not stuck on it
      }
      queue.splice(0, n);
      made += n;
    }
    while (owed.length > 0 && owed[0].after <= made) answer((owed.shift() as Owed).req);
    schedule();
  };

  /** Runs the next step now when a chunk is full or an answer other than a batch's waits; in
   *  LINGER_MS when only a few changes wait; not at all when nothing does. */
  const schedule = (): void => {
    if (scheduled === 'now') return;
    const urgent = queue.length >= CHUNK || owed.some((o) => o.req.type !== 'batch');
    if (urgent || (queue.length === 0 && owed.length > 0)) {
      if (scheduled !== null) clearTimeout(scheduled);
      scheduled = 'now';
      setImmediate(step);
    } else if (queue.length > 0 && scheduled === null) scheduled = setTimeout(step, LINGER_MS);
  };

  /** Ids whose head or body ('text') or body ('body') contains `query`: the index, with the
   *  texts still queued applied (a trigram match is a case-insensitive substring match).
   *  Messages still queued as files came after the search (the ones before it were waited for). */
  const search = (query: string, scope: SearchScope): SearchHits => {
    // The column filter says where; quotes make the query one phrase of trigrams.
    const phrase = (scope === 'body' ? 'body : ' : '{head body} : ') + '"' + query.replace(/"/g, '""') + '"';
    const ids = new Set((match.all(phrase) as { rowid: number }[]).map((r) => r.rowid));
    const partial = new Set(anyPartial ? (partials.all() as { id: number }[]).map((r) => r.id) : []);
    const q = query.toLowerCase();
    for (const item of queue) {
      const op = item.op;
      if ('add' in op) {
        const id = op.add[0];
        const [head, body] = item.lower ?? [op.add[1].toLowerCase(), op.add[2].toLowerCase()];
        if ((scope === 'text' && head.includes(q)) || body.includes(q)) ids.add(id);
        else ids.delete(id);
        if (op.add[3] === true) partial.add(id);
        else partial.delete(id);
      } else if ('remove' in op) {
        for (const id of op.remove) {
          ids.delete(id);
          partial.delete(id);
        }
      }
    }
    for (const id of ids) partial.delete(id); // found already: nothing left to read
    const byNumber = (x: number, y: number): number => x - y;
    return { ids: [...ids].sort(byNumber), partial: [...partial].sort(byNumber) };
  };

  /** A stop: the additions still queued are dropped (the next start finds them missing and
   *  indexes them), the removals made; then the file is closed. */
  const close = (req: Extract<SearchRequest, { type: 'close' }>): void => {
    if (!req.drain) {
      const removals = queue.filter((c) => 'remove' in c.op);
      const dropped = queue.length - removals.length;
      queue.splice(0, queue.length, ...removals);
      received -= dropped;
      for (const o of owed) o.after = Math.min(o.after, received);
    }
    owe({ after: received, req });
    schedule();
  };

  port.on('message', (req: SearchRequest) => {
    if (req.type === 'search') {
      // Messages queued as files are searchable only once read: wait for the last of them.
      let last = queue.length - 1;
      while (last >= 0 && !('file' in queue[last].op)) last--;
      if (last < 0) answer(req);
      else {
        owe({ after: made + last + 1, req });
        schedule();
      }
      return;
    }
    if (req.type === 'close') return close(req);
    if (req.type === 'batch') {
      for (const op of req.ops) queue.push('add' in op ? { op, lower: [op.add[1].toLowerCase(), op.add[2].toLowerCase()] } : { op });
      received += req.ops.length;
    }
    owe({ after: received, req });
    schedule();
  });
}

main();
