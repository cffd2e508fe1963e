// WAL checkpoints off the writing connection: the writer's own threshold becomes a backstop,
// a checkpoint runs on the other connection after enough changes, and stop() hands back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/sqlite.ts';
import { WalCheckpoints } from '../../src/db/wal-checkpoints.ts';

test('a checkpoint runs on the other connection after many changes, none while nothing changes', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'x.db');
  const db = openDatabase(file);
  const other = new DatabaseSync(file);
  t.after(() => {
    other.close();
    db.close();
  });
  db.exec('CREATE TABLE t (x)');
  const runs: { log: number; checkpointed: number }[] = [];
  const wal = new WalCheckpoints(db, () => {
    runs.push(other.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as { log: number; checkpointed: number });
    return Promise.resolve();
  });
  assert.equal((db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint, 4000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(runs.length, 0, 'no change, no checkpoint');
  db.exec('BEGIN');
  for (let i = 0; i < 2500; i++) db.prepare('INSERT INTO t VALUES (?)').run(i);
  db.exec('COMMIT');
  const deadline = Date.now() + 5000;
  while (runs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(runs.length, 1);
  assert.ok(runs[0].log > 0 && runs[0].checkpointed === runs[0].log, JSON.stringify(runs[0]));
  wal.stop();
  assert.equal((db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint, 1000);
});
