// messageRecords on the real SQLite + Maildir store: scattered UIDs (many runs, one query
// without ORDER BY) come back ascending, in every shape (with or without the JSON, with or
// without the flags), and a record read without its flags says so instead of inventing them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { openDatabase, type Db } from '../../src/db/sqlite.ts';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { LocalChangeBus } from '../../src/store/change-bus.ts';
import { SqliteMaildirStore } from '../../src/store/sqlite-maildir/message-store.ts';

const ACCOUNT = { id: 1, local: 'rec', domain: 'records.test' };
let dir: string;
let db: Db;
let store: SqliteMaildirStore;
let inbox: number;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-records-'));
  db = openDatabase(path.join(dir, 'index.db'));
  store = new SqliteMaildirStore({ db, mailRoot: path.join(dir, 'mail'), searchFile: path.join(dir, 'search.db'), bus: new LocalChangeBus(), log: silentLogger() });
  await store.createAccount(ACCOUNT);
  for (let i = 1; i <= 30; i++) {
    const content = Buffer.from(`From: n${i}@x.test\r\nSubject: number ${i}\r\n\r\nbody ${i}\r\n`);
    await store.deliver({ content, parsed: parseMessage(content), internalDate: new Date() }, [{ account: ACCOUNT, mailbox: 'INBOX', prefix: Buffer.alloc(0) }]);
  }
  inbox = (await store.getMailbox(ACCOUNT.id, 'INBOX'))!.id;
  await store.setFlags(ACCOUNT, inbox, [7, 20], 'add', ['\\Seen']);
});
after(async () => {
  await store.close();
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const SCATTERED = [2, 3, 7, 11, 12, 13, 20, 25, 29];

test('scattered UIDs come back ascending in every shape', async () => {
  for (const json of [true, false]) {
    for (const flags of [true, false]) {
      const recs = await store.messageRecords(inbox, SCATTERED, { json, flags });
      assert.deepEqual(recs.map((r) => r.uid), SCATTERED, `json ${json}, flags ${flags}`);
      assert.equal(recs[3].envelope.subject, 'number 11');
      assert.ok(recs[3].wire?.envelope.includes('"number 11"'));
    }
  }
});

test('flags and MODSEQ come with the flags, and are refused without them', async () => {
  const [withFlags] = await store.messageRecords(inbox, [7], { json: false });
  assert.deepEqual(withFlags.flags, ['\\Seen']);
  assert.ok(withFlags.modSeq > 0);
  const [bare] = await store.messageRecords(inbox, [7], { json: false, flags: false });
  assert.throws(() => bare.flags, /without its flags/);
  assert.throws(() => bare.modSeq, /without its flags/);
  bare.flags = ['\\Answered'];
  assert.deepEqual(bare.flags, ['\\Answered'], 'FETCH may still set what it will send');
});
