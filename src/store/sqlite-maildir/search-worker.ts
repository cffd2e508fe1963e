// The full-text index runs in its own thread with its own SQLite file (data/search.db):
// trigram indexing costs more CPU than everything else a delivery does, so it stays off the
// thread that answers SMTP, and off the path to "250". The file is derived data: the store
// re-feeds whatever lies past the watermark on start, so a new SCHEMA_VERSION just drops the
// table and resets the watermark to 0: the start-up catch-up then indexes every message again.
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

/** head: the decoded header text (per-recipient prefix lines included); body: the decoded body text. */
export type SearchOp = { add: [id: number, head: string, body: string] } | { remove: number[] };

/** TEXT looks in the header and the body, BODY in the body only (RFC 9051 §6.4.4). */
export type SearchScope = 'text' | 'body';

/** Index changes per transaction (see the queue in main): ~20 ms of work, the longest a
 *  search waits for the worker to turn to it. */
const CHUNK = 50;

/** 1: one column, the body text. 2: head and body. */
const SCHEMA_VERSION = 2;

export type SearchRequest =
  | { type: 'batch'; seq: number; ops: SearchOp[] }
  | { type: 'search'; seq: number; query: string; scope: SearchScope }
  | { type: 'watermark'; seq: number }
  | { type: 'close'; seq: number };

export type SearchReply = { seq: number; ok: true; value?: unknown } | { seq: number; ok: false; error: string };

/**
 * Indexing is background work: on Linux this thread runs at nice 10, so when the CPUs are
 * busy (a stream of APPENDs, many clients) the threads that answer clients go first and the
 * index catches up in the slack. A search still waits for everything queued before it.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
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
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
  const version = db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: number } | undefined;
  if (version?.value !== SCHEMA_VERSION) {
    // Derived data in an older shape (or none yet): start over from an empty index.
    db.exec('BEGIN');
    try {
      db.exec(`
        DROP TABLE IF EXISTS fts;
        INSERT OR REPLACE INTO meta VALUES ('watermark', 0);
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
    INSERT OR IGNORE INTO meta VALUES ('watermark', 0);
    INSERT INTO fts (fts, rank) VALUES ('automerge', 16);
    INSERT INTO fts (fts, rank) VALUES ('crisismerge', 64);
  `);
  const add = db.prepare('INSERT OR REPLACE INTO fts (rowid, head, body) VALUES (?, ?, ?)');
  const del = db.prepare('DELETE FROM fts WHERE rowid = ?');
  const mark = db.prepare("UPDATE meta SET value = max(value, ?) WHERE key = 'watermark'");
  const getMark = db.prepare("SELECT value FROM meta WHERE key = 'watermark'");
  const match = db.prepare('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid');

  // Work received and not yet done, in order: index changes, and the answers owed once what
  // is before them is done (a batch's acknowledgement, the watermark, close). Changes are made
  // CHUNK at a time, one transaction each, with a turn of the event loop between: a search
  // that comes meanwhile is answered at once from the index plus the changes still queued,
  // rather than after a backlog of thousands of messages (a pipelined upload) is indexed.
  // An addition keeps its text in lower case too, for searches while it waits (a few µs a
  // message, next to the ~0.4 ms its indexing costs).
  type Item = { op: SearchOp; lower?: [head: string, body: string] } | { after: Exclude<SearchRequest, { type: 'search' }> };
  const queue: Item[] = [];
  let running = false;
  let failed: Error | null = null;
  const reply = (r: SearchReply): void => port.postMessage(r);

  const answer = (req: Exclude<SearchRequest, { type: 'search' }>): void => {
    try {
      if (req.type === 'batch') {
        if (failed !== null) reply({ seq: req.seq, ok: false, error: failed.message });
        else reply({ seq: req.seq, ok: true });
        failed = null;
      } else if (req.type === 'watermark') reply({ seq: req.seq, ok: true, value: (getMark.get() as { value: number }).value });
      else {
        db.close();
        reply({ seq: req.seq, ok: true });
      }
    } catch (e) {
      reply({ seq: req.seq, ok: false, error: (e as Error).message });
    }
  };

  const step = (): void => {
    let top = 0;
    let n = 0;
    if (queue.length > 0 && 'op' in queue[0]) {
      try {
        db.exec('BEGIN');
        try {
          while (n < CHUNK && queue.length > 0 && 'op' in queue[0]) {
            const { op } = queue.shift() as { op: SearchOp };
            n++;
            if ('add' in op) {
              add.run(op.add[0], op.add[1], op.add[2]);
              top = Math.max(top, op.add[0]);
            } else for (const id of op.remove) del.run(id);
          }
          if (top) mark.run(top);
          db.exec('COMMIT');
        } catch (e) {
          db.exec('ROLLBACK');
          throw e;
        }
      } catch (e) {
        failed = e as Error; // told to the batch acknowledged next
      }
    }
    while (queue.length > 0 && !('op' in queue[0])) answer((queue.shift() as { after: Exclude<SearchRequest, { type: 'search' }> }).after);
    if (queue.length > 0) setImmediate(step);
    else running = false;
  };

  /** Ids whose head or body ('text') or body ('body') contains `query`: the index, with the
   *  changes still queued applied (a trigram match is a case-insensitive substring match). */
  const search = (query: string, scope: SearchScope): number[] => {
    // The column filter says where; quotes make the query one phrase of trigrams.
    const phrase = (scope === 'body' ? 'body : ' : '{head body} : ') + '"' + query.replace(/"/g, '""') + '"';
    const ids = new Set((match.all(phrase) as { rowid: number }[]).map((r) => r.rowid));
    const q = query.toLowerCase();
    for (const item of queue) {
      if (!('op' in item)) continue;
      const op = item.op;
      if ('add' in op) {
        const id = op.add[0];
        const [head, body] = item.lower ?? [op.add[1].toLowerCase(), op.add[2].toLowerCase()];
        if ((scope === 'text' && head.includes(q)) || body.includes(q)) ids.add(id);
        else ids.delete(id);
      } else for (const id of op.remove) ids.delete(id);
    }
    return [...ids].sort((x, y) => x - y);
  };

  port.on('message', (req: SearchRequest) => {
    if (req.type === 'search') {
      try {
        reply({ seq: req.seq, ok: true, value: search(req.query, req.scope) });
      } catch (e) {
        reply({ seq: req.seq, ok: false, error: (e as Error).message });
      }
      return;
    }
    if (req.type === 'batch') {
      for (const op of req.ops) queue.push('add' in op ? { op, lower: [op.add[1].toLowerCase(), op.add[2].toLowerCase()] } : { op });
    }
    queue.push({ after: req });
    if (!running) {
      running = true;
      setImmediate(step);
    }
  });
}

main();
