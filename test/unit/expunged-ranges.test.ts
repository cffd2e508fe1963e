// The QRESYNC expunge bookkeeping: runs of UIDs per expunge, and compaction of old neighbours
// that keeps the table bounded without ever naming a live UID or forgetting an expunge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate, openDatabase, transaction } from '../../src/db/sqlite.ts';
import { COMPACT_EVERY, compactRanges, consecutiveRuns } from '../../src/store/sqlite-maildir/expunged-ranges.ts';
import { ImapSql } from '../../src/store/sqlite-maildir/imap-sql.ts';
import { IndexWriter } from '../../src/store/sqlite-maildir/index-writer.ts';
import { STORE_MIGRATIONS } from '../../src/store/sqlite-maildir/schema.ts';

test('runs of consecutive UIDs, unsorted and repeated input', () => {
  assert.deepEqual(consecutiveRuns([7, 3, 4, 5, 9, 4, 10]), [[3, 5], [7, 7], [9, 10]]);
  assert.deepEqual(consecutiveRuns([]), []);
});

test('compaction merges only touching ranges of the older half, keeping the highest MODSEQ', () => {
  const rows = [
    { uid: 1, last: 2, modseq: 10 },
    { uid: 3, last: 3, modseq: 11 }, // touches 1:2, both old: merged
    { uid: 5, last: 5, modseq: 12 }, // 4 is live: never merged with 3
    { uid: 6, last: 6, modseq: 40 }, // new: stays exact
    { uid: 7, last: 8, modseq: 41 },
  ];
  assert.deepEqual(compactRanges(rows), [
    { uid: 1, last: 3, modseq: 11 },
    { uid: 5, last: 5, modseq: 12 },
    { uid: 6, last: 6, modseq: 40 },
    { uid: 7, last: 8, modseq: 41 },
  ]);
  assert.equal(compactRanges([{ uid: 1, last: 1, modseq: 1 }, { uid: 3, last: 3, modseq: 2 }]), null);
});

test('the index keeps one row per run and compacts as rows pile up; VANISHED stays complete', () => {
  const db = openDatabase(':memory:');
  migrate(db, 'store', STORE_MIGRATIONS);
  const index = new IndexWriter(db);
  const sql = new ImapSql(db, index);
  const mb = index.ensureMailbox(1, 'INBOX', '', null, true);
  assert.match(mb.object_id, /^F[0-9a-f]{24}$/);
  // One expunge of 1:3 and 5 (4 stays): two rows with one MODSEQ.
  const first = transaction(db, () => index.removeMessages(mb.id, [1, 2, 3, 5].map((uid) => ({ id: 0, uid, size: 0 }))));
  assert.deepEqual(sql.vanishedSince(mb.id, 0), [[1, 3], [5, 5]]);
  assert.deepEqual(sql.vanishedSince(mb.id, first), []);
  // Then UIDs 6, 7, ... one expunge each: all touch, so compaction can merge the older half.
  const modseqs: number[] = [];
  for (let uid = 6; uid < 6 + COMPACT_EVERY; uid++) modseqs.push(transaction(db, () => index.removeMessages(mb.id, [{ id: 0, uid, size: 0 }])));
  const rows = (db.prepare('SELECT count(*) AS n FROM expunged WHERE mailbox_id = ?').get(mb.id) as { n: number }).n;
  assert.ok(rows < COMPACT_EVERY / 2 + 10, `rows: ${rows}`);
  // Nothing forgotten, nothing live named: everything expunged since 0 is 1:3, 5:...
  const last = 5 + COMPACT_EVERY;
  assert.deepEqual(sql.vanishedSince(mb.id, 0), [[1, 3], [5, last]]);
  // The newest expunges are still exact.
  assert.deepEqual(sql.vanishedSince(mb.id, modseqs[modseqs.length - 3]), [[last - 1, last]]);
  db.close();
});

test('an index from before step 4 keeps its expunged UIDs and gets MAILBOXIDs', () => {
  const db = openDatabase(':memory:');
  migrate(db, 'store', STORE_MIGRATIONS.slice(0, 3));
  db.exec("INSERT INTO mailboxes (id, account_id, name, dir, uidvalidity) VALUES (1, 1, 'INBOX', '', 5)");
  db.exec('INSERT INTO expunged (mailbox_id, uid, modseq) VALUES (1, 4, 9), (1, 5, 9)');
  migrate(db, 'store', STORE_MIGRATIONS);
  const index = new IndexWriter(db);
  assert.match(index.mailbox(1, 'INBOX')!.object_id, /^F[0-9a-f]{24}$/);
  assert.deepEqual(new ImapSql(db, index).vanishedSince(1, 8), [[4, 5]]);
  db.close();
});
