// Opens the one SQLite file everything lives in. WAL lets the CLI write (add a user) while the
// server reads; synchronous=NORMAL is safe against process crashes, and durability against
// power loss comes from the fsynced Maildir files the index can be rebuilt from. Reads go
// through a memory map (FETCH of scattered messages touches one page per row).
import { DatabaseSync } from 'node:sqlite';
import { localDateMs } from '../mime/date.ts';

export type Db = DatabaseSync;

export function openDatabase(file: string): Db {
  const db = new DatabaseSync(file, { timeout: 5000 });
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
    PRAGMA mmap_size = 268435456;
    CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL);
  `);
  // What migrations call (store schema step 6): a Date: header's wall-clock time, read as UTC.
  db.function('mh_sent_local', { deterministic: true }, (text) => (typeof text === 'string' ? localDateMs(text) : null));
  return db;
}

/** Runs each module's migrations in order; each module owns its own tables and version. */
export function migrate(db: Db, module: string, steps: string[]): void {
  const row = db.prepare('SELECT version FROM schema_versions WHERE module = ?').get(module) as { version: number } | undefined;
  const from = row?.version ?? 0;
  if (from >= steps.length) return;
  transaction(db, () => {
    for (let v = from; v < steps.length; v++) db.exec(steps[v]);
    db.prepare('INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version').run(module, steps.length);
  });
}

/** BEGIN IMMEDIATE so two processes never deadlock upgrading a read lock. */
export function transaction<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const r = fn();
    db.exec('COMMIT');
    return r;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
