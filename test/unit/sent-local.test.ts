// SENTBEFORE/SENTON/SENTSINCE compare the day written in the Date: header, "disregarding time
// and timezone" (RFC 9051 §6.4.4): the header's wall-clock time read as UTC, kept per message
// (schema step 6) and filled in for rows indexed before that step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localDateMs, parseDate } from '../../src/mime/date.ts';
import { migrate, openDatabase } from '../../src/db/sqlite.ts';
import { STORE_MIGRATIONS } from '../../src/store/sqlite-maildir/schema.ts';

test('the local date of a Date: header is its own calendar day, whatever the zone', () => {
  const tokyo = 'Mon, 10 Mar 2025 01:30:00 +0900';
  assert.equal(parseDate(tokyo)?.toISOString(), '2025-03-09T16:30:00.000Z');
  assert.equal(new Date(localDateMs(tokyo)!).toISOString(), '2025-03-10T01:30:00.000Z');
  assert.equal(new Date(localDateMs('Sat, 08 Feb 2025 23:59:59 -1200')!).toISOString(), '2025-02-08T23:59:59.000Z');
  assert.equal(new Date(localDateMs('2025-03-10T01:30:00+09:00')!).toISOString(), '2025-03-10T01:30:00.000Z');
  assert.equal(localDateMs('not a date'), null);
  assert.equal(localDateMs(null), null);
});

test('rows indexed before step 6 get their local date from the envelope kept in JSON', () => {
  const db = openDatabase(':memory:');
  migrate(db, 'store', STORE_MIGRATIONS.slice(0, 5));
  db.exec(`INSERT INTO mailboxes (id, account_id, name, dir, uidvalidity) VALUES (1, 1, 'INBOX', '', 1)`);
  const row = db.prepare(
    `INSERT INTO messages (mailbox_id, uid, modseq, internal_date, size, file, envelope, body, sent_date) VALUES (1, ?, 1, 0, 1, 'f', ?, '{}', ?)`,
  );
  row.run(1, JSON.stringify({ date: 'Mon, 10 Mar 2025 01:30:00 +0900' }), Date.parse('2025-03-09T16:30:00Z'));
  row.run(2, JSON.stringify({ date: null }), null);
  migrate(db, 'store', STORE_MIGRATIONS);
  const got = db.prepare('SELECT uid, sent_local FROM messages ORDER BY uid').all() as { uid: number; sent_local: number | null }[];
  assert.deepEqual(got.map((r) => [r.uid, r.sent_local === null ? null : new Date(r.sent_local).toISOString()]), [[1, '2025-03-10T01:30:00.000Z'], [2, null]]);
  db.close();
});
