// Group commit: writes of one event-loop turn share a transaction, one failure undoes only itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../../src/db/group-commit.ts';
import { openDatabase } from '../../src/db/sqlite.ts';

describe('GroupCommit', () => {
  it('commits a batch together and isolates a failing member', async () => {
    const db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    const g = new GroupCommit(db);
    const ins = (v: number) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;
    const results = await Promise.allSettled([g.run(ins(1)), g.run(ins(2)), g.run(ins(1)), g.run(ins(3))]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual((db.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => r.v), [1, 2, 3]);
  });

  it('a write alone (no savepoint) that fails leaves nothing, and the next one commits', async () => {
    const db = openDatabase(':memory:');
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    const g = new GroupCommit(db);
    await g.run(() => db.prepare('INSERT INTO t (v) VALUES (1)').run());
    // Two statements, the second fails: the first must not survive.
    await assert.rejects(g.run(() => {
      db.prepare('INSERT INTO t (v) VALUES (2)').run();
      db.prepare('INSERT INTO t (v) VALUES (1)').run();
    }));
    assert.equal(db.isTransaction, false, 'the transaction was rolled back');
    await g.run(() => db.prepare('INSERT INTO t (v) VALUES (3)').run());
    assert.deepEqual((db.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => r.v), [1, 3]);
  });

  it('resolves only after the data is visible to a second connection', async () => {
    const file = `/tmp/gc-${process.pid}.db`;
    const a = openDatabase(file);
    const b = openDatabase(file);
    a.exec('CREATE TABLE IF NOT EXISTS t (v INTEGER)');
    const g = new GroupCommit(a);
    await g.run(() => a.prepare('INSERT INTO t VALUES (42)').run());
    assert.equal((b.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 1);
    a.close();
    b.close();
    const { rm } = await import('node:fs/promises');
    for (const s of ['', '-wal', '-shm']) await rm(file + s, { force: true });
  });
});
