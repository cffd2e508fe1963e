// The store's start-up catch-up of the full-text index (message-store warm): a search made at
// once after start, while the index is still being compared with the store, waits for the
// comparison and for the messages it found missing, rather than answering without them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { openDatabase } from '../../src/db/sqlite.ts';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { LocalChangeBus } from '../../src/store/change-bus.ts';
import { SqliteMaildirStore } from '../../src/store/sqlite-maildir/message-store.ts';

const ACCOUNT = { id: 1, local: 'cu', domain: 'catchup.test' };

test('a search right after start waits for the catch-up of a lost index (IMAP SEARCH and the text search)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-catchup-'));
  const db = openDatabase(path.join(dir, 'index.db'));
  const open = (): SqliteMaildirStore =>
    new SqliteMaildirStore({ db, mailRoot: path.join(dir, 'mail'), searchFile: path.join(dir, 'search.db'), bus: new LocalChangeBus(), log: silentLogger() });
  let store = open();
  // One hook, in this order: the store (its timers use the database), the database, the files.
  t.after(async () => {
    await store.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  await store.createAccount(ACCOUNT);
  for (let i = 1; i <= 40; i++) {
    const content = Buffer.from(`From: a@x.test\r\nSubject: m${i}\r\n\r\n${i % 4 === 0 ? 'a rambutan' : 'plain'} body\r\n`);
    await store.deliver({ content, parsed: parseMessage(content), internalDate: new Date() }, [{ account: ACCOUNT, mailbox: 'INBOX', prefix: Buffer.alloc(0) }]);
  }
  const hits = Array.from({ length: 10 }, (_, k) => (k + 1) * 4);
  assert.deepEqual(await store.searchText('rambutan', 'body'), hits);
  await store.close();
  for (const f of ['search.db', 'search.db-wal', 'search.db-shm']) await rm(path.join(dir, f), { force: true });

  store = open();
  store.warm([ACCOUNT]);
  // IMAP SEARCH's path first, at once: it races the comparison, which it must wait for.
  const inbox = (await store.getMailbox(ACCOUNT.id, 'INBOX'))!;
  assert.deepEqual(await store.search(ACCOUNT, inbox.id, { op: 'body', value: 'rambutan' }), hits);
  assert.deepEqual(await store.searchText('rambutan', 'body'), hits);
  assert.deepEqual(await store.searchText('subject: m33', 'text'), [33]);
});
