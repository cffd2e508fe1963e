// The shared table of a whole mailbox's flags (message-store flagBits): a large FETCH FLAGS is
// answered from it while the mailbox is in the state it was read in, and never after a flag
// change, an arrival or an expunge.
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

const ACCOUNT = { id: 1, local: 'flags', domain: 'cache.test' };
const N = 300;
let dir: string;
let db: Db;
let store: SqliteMaildirStore;
let inbox: number;

const deliver = async (i: number) => {
  const content = Buffer.from(`From: a@x.test\r\nSubject: ${i}\r\n\r\nbody\r\n`);
  await store.deliver({ content, parsed: parseMessage(content), internalDate: new Date() }, [{ account: ACCOUNT, mailbox: 'INBOX', prefix: Buffer.alloc(0) }]);
};

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-flagcache-'));
  db = openDatabase(path.join(dir, 'index.db'));
  store = new SqliteMaildirStore({ db, mailRoot: path.join(dir, 'mail'), searchFile: path.join(dir, 'search.db'), bus: new LocalChangeBus(), log: silentLogger() });
  await store.createAccount(ACCOUNT);
  await Promise.all(Array.from({ length: N }, (_, i) => deliver(i)));
  inbox = (await store.getMailbox(ACCOUNT.id, 'INBOX'))!.id;
});
after(async () => {
  await store.close();
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const all = () => Array.from({ length: N }, (_, i) => i + 1);
const flagsOf = async (uids: number[]) => {
  const t = await store.flagTable(inbox, uids, false);
  return new Map([...t.uids].map((u, i) => [u, t.flags[i]]));
};

test('a whole-mailbox FLAGS answer follows every change', async () => {
  await store.selectMailbox(inbox, false); // reads the table with the UIDs
  let f = await flagsOf(all());
  assert.equal(f.size, N);
  assert.equal(f.get(5), '');

  await store.setFlags(ACCOUNT, inbox, [5, 250], 'add', ['\\Seen', '$Work']);
  f = await flagsOf(all());
  assert.equal(f.get(5), '\\Seen $Work');
  assert.equal(f.get(250), '\\Seen $Work');
  assert.equal(f.get(6), '');

  await store.setFlags(ACCOUNT, inbox, [5], 'remove', ['\\Seen']);
  assert.equal((await flagsOf(all())).get(5), '$Work');

  await deliver(N);
  f = await flagsOf([...all(), N + 1]);
  assert.equal(f.size, N + 1, 'the new message is in the answer');

  await store.setFlags(ACCOUNT, inbox, [7], 'add', ['\\Deleted']);
  await store.expunge(ACCOUNT, inbox, [7]);
  f = await flagsOf(all());
  assert.equal(f.has(7), false, 'the expunged message is gone');
  assert.equal(f.size, N - 1);
});

test('a part of the mailbox, sparse, comes out in order with only what was asked', async () => {
  const some = all().filter((u) => u % 3 === 0 && u !== 7);
  const t = await store.flagTable(inbox, some, false);
  assert.deepEqual([...t.uids], some);
  assert.equal(t.flags[some.indexOf(249)], '');
});

test('a repeated search is answered again after every change of the mailbox', async () => {
  const seen = { op: 'flag', flag: '\\Seen', set: true } as const;
  const before = await store.search(ACCOUNT, inbox, seen);
  assert.deepEqual(await store.search(ACCOUNT, inbox, seen), before, 'the same answer twice');
  await store.setFlags(ACCOUNT, inbox, [9], 'add', ['\\Seen']);
  const after = await store.search(ACCOUNT, inbox, seen);
  assert.deepEqual(after, [...before, 9].sort((a, b) => a - b));
  const from = { op: 'field', field: 'subject', value: '12' } as const;
  const hits = await store.search(ACCOUNT, inbox, from);
  await deliver(1200);
  assert.equal((await store.search(ACCOUNT, inbox, from)).length, hits.length + 1, 'a new message is searched');
});
