// The store side of SORT, THREAD and PREVIEW on the real SQLite + Maildir store: keys written
// at delivery and copied with COPY, ordering in SQL, and messages indexed before message_keys
// existed getting their keys from their file on first use.
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
import type { SortCriterion } from '../../src/store/store.ts';

const ACCOUNT = { id: 1, local: 'kim', domain: 'keys.test' };
const ALL = { op: 'everything' } as const;
let dir: string;
let db: Db;
const open = () => new SqliteMaildirStore({ db, mailRoot: path.join(dir, 'mail'), searchFile: path.join(dir, 'search.db'), bus: new LocalChangeBus(), log: silentLogger() });
let store: SqliteMaildirStore;

const raw = (subject: string, from: string, date: string, extra = ''): Buffer =>
  Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\nDate: ${date}\r\n${extra}\r\nText of ${subject}.\r\n`);

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-keys-'));
  db = openDatabase(path.join(dir, 'index.db'));
  store = open();
  await store.createAccount(ACCOUNT);
  const msgs = [
    raw('Re: beta', 'Zed <zed@x.test>', 'Tue, 2 Jan 2024 10:00:00 +0000', 'Message-ID: <b@x>\r\nReferences: <a@x>\r\n'),
    raw('alpha', '=?UTF-8?Q?=C3=89lise?= <elise@x.test>', 'Wed, 3 Jan 2024 10:00:00 +0000', 'Message-ID: <"c"@x>\r\n'),
    raw('[list] Beta', 'amy@x.test', 'Mon, 1 Jan 2024 10:00:00 +0000', 'Message-ID: <a@x>\r\n'),
  ];
  for (const content of msgs) await store.deliver({ content, parsed: parseMessage(content), internalDate: new Date() }, [{ account: ACCOUNT, mailbox: 'INBOX', prefix: Buffer.alloc(0) }]);
});
after(async () => {
  await store.close();
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const inbox = async () => (await store.getMailbox(ACCOUNT.id, 'INBOX'))!.id;
const sort = async (order: SortCriterion[], mailbox?: number) => store.sort(ACCOUNT, mailbox ?? (await inbox()), ALL, order);

test('keys written at delivery order SORT in SQL', async () => {
  assert.deepEqual(await sort([{ key: 'subject', reverse: false }]), [2, 1, 3]); // ALPHA, BETA (1 then 3 by UID)
  assert.deepEqual(await sort([{ key: 'subject', reverse: false }, { key: 'date', reverse: true }]), [2, 1, 3]);
  assert.deepEqual(await sort([{ key: 'subject', reverse: true }, { key: 'date', reverse: false }]), [3, 1, 2]);
  assert.deepEqual(await sort([{ key: 'from', reverse: false }]), [3, 2, 1]); // AMY, ELISE, ZED
  assert.deepEqual(await sort([{ key: 'displayfrom', reverse: false }]), [3, 2, 1]); // AMY@X.TEST, ÉLISE, ZED
  assert.deepEqual(await sort([{ key: 'date', reverse: false }]), [3, 1, 2]);
  const info = await store.threadInfo(ACCOUNT, await inbox(), [1, 2, 3]);
  assert.deepEqual(info.map((i) => [i.uid, i.messageId, i.references, i.subject, i.reply]), [
    [1, 'b@x', ['a@x'], 'BETA', true], [2, 'c@x', [], 'ALPHA', false], [3, 'a@x', [], 'BETA', false],
  ]);
  assert.deepEqual([...(await store.previews(ACCOUNT, await inbox(), [2, 3]))], [[2, 'Text of alpha.'], [3, 'Text of [list] Beta.']]);
});

test('COPY carries the keys along', async () => {
  await store.copy(ACCOUNT, await inbox(), [1, 3], 'Archive');
  const archive = (await store.getMailbox(ACCOUNT.id, 'Archive'))!.id;
  assert.deepEqual(await sort([{ key: 'from', reverse: true }], archive), [1, 2]);
  assert.equal((await store.previews(ACCOUNT, archive, [1])).get(1), 'Text of Re: beta.');
});

test('messages indexed before message_keys get their keys from the file on first use', async () => {
  db.exec('DELETE FROM message_keys');
  await store.close();
  store = open(); // a fresh store: nothing known complete
  assert.deepEqual(await sort([{ key: 'subject', reverse: false }]), [2, 1, 3]);
  assert.equal((db.prepare('SELECT count(*) AS n FROM message_keys').get() as { n: number }).n, 3, 'INBOX filled, Archive untouched');
  assert.deepEqual((await store.threadInfo(ACCOUNT, await inbox(), [1]))[0].references, ['a@x']);
});
