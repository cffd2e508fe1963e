// The full-text index worker on a real SQLite file: head and body columns, TEXT vs BODY scopes,
// and the schema version that rebuilds an index from an older version from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SearchIndex, fileDocument, searchDocument } from '../../src/store/sqlite-maildir/search-index.ts';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { silentLogger } from '../../src/core/logger.ts';

const msg = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

test('TEXT looks in head and body, BODY in the body only; quotes stay literal', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const index = new SearchIndex(path.join(dir, 'search.db'), silentLogger());
  t.after(() => index.close());
  const a = msg(['Subject: =?UTF-8?Q?Stra=C3=9Fenfest?=', 'X-Custom: zebra crossing', '', 'nothing "quoted" here', '']);
  const b = msg(['Subject: plain', '', 'the zebra is in the body', '']);
  const prefix = Buffer.from('Delivered-To: carol@example.net\r\n');
  index.add(1, searchDocument(Buffer.alloc(0), parseMessage(a)));
  index.add(2, fileDocument(Buffer.concat([prefix, b]), prefix.length));
  assert.deepEqual(await index.search('zebra', 'text'), [1, 2]);
  assert.deepEqual(await index.search('zebra', 'body'), [2]);
  assert.deepEqual(await index.search('STRASSENFEST', 'text'), []);
  assert.deepEqual(await index.search('straßenfest', 'text'), [1]);
  assert.deepEqual(await index.search('straßenfest', 'body'), []);
  assert.deepEqual(await index.search('carol@example', 'text'), [2]);
  assert.deepEqual(await index.search('x-custom', 'text'), [1]);
  assert.deepEqual(await index.search('"quoted" h', 'body'), [1]);
  assert.deepEqual(await index.search('body : zeb', 'text'), []);
  index.remove([2]);
  assert.deepEqual(await index.search('zebra', 'text'), [1]);
  assert.equal(await index.watermark(), 2);
});

test('a search right after many additions and removals sees them all, indexed or still queued', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const index = new SearchIndex(path.join(dir, 'search.db'), silentLogger());
  t.after(() => index.close());
  const doc = (i: number): [string, string] => [`Subject: m${i}`, i % 10 === 0 ? `a Needle in ${i}` : `hay ${i}`];
  for (let i = 1; i <= 1500; i++) index.add(i, doc(i));
  const every10 = Array.from({ length: 150 }, (_, k) => (k + 1) * 10);
  assert.deepEqual(await index.search('needle', 'body'), every10);
  assert.deepEqual(await index.search('needle', 'text'), every10);
  assert.deepEqual(await index.search('subject: m1499', 'text'), [1499]);
  assert.deepEqual(await index.search('subject: m1499', 'body'), []);
  for (let i = 1501; i <= 3000; i++) index.add(i, doc(i));
  index.remove([10, 20, 2990]);
  index.add(30, ['Subject: m30', 'no longer']);
  const expect = Array.from({ length: 300 }, (_, k) => (k + 1) * 10).filter((n) => ![10, 20, 30, 2990].includes(n));
  assert.deepEqual(await index.search('NEEDLE', 'text'), expect);
  assert.equal(await index.watermark(), 3000);
  assert.deepEqual(await index.search('needle', 'text'), expect);
});

test('an index of an older schema is dropped and its watermark reset, so everything is fed again', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'search.db');
  const old = new DatabaseSync(file);
  old.exec(`
    CREATE VIRTUAL TABLE fts USING fts5 (text, content='', contentless_delete=1, tokenize='trigram');
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta VALUES ('watermark', 57);
    INSERT INTO fts (rowid, text) VALUES (57, 'old body text');
  `);
  old.close();
  let index = new SearchIndex(file, silentLogger());
  assert.equal(await index.watermark(), 0);
  assert.deepEqual(await index.search('old body', 'text'), []);
  index.add(3, ['subject: kept', 'new body']);
  assert.deepEqual(await index.search('new body', 'body'), [3]);
  await index.close();
  // the current version is kept as it is
  index = new SearchIndex(file, silentLogger());
  t.after(() => index.close());
  assert.equal(await index.watermark(), 3);
  assert.deepEqual(await index.search('kept', 'text'), [3]);
});

test('changes sent one at a time are committed together, after a short wait, and searched meanwhile', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'search.db');
  const index = new SearchIndex(file, silentLogger());
  t.after(() => index.close());
  assert.equal(await index.watermark(), 0); // the worker has made its tables
  const reader = new DatabaseSync(file, { readOnly: true });
  t.after(() => reader.close());
  const committed = (): number[] => (reader.prepare(`SELECT rowid FROM fts WHERE fts MATCH '"trickle"' ORDER BY rowid`).all() as { rowid: number }[]).map((r) => r.rowid);
  // One a message, each sent on its own (an APPEND at a time): the worker holds them for company.
  // No sleeps: the search's answer says the worker has all five, well inside its wait.
  for (let i = 1; i <= 5; i++) {
    index.add(i, [`Subject: m${i}`, 'a trickle of mail']);
    void index.flush();
  }
  assert.deepEqual(await index.search('trickle', 'body'), [1, 2, 3, 4, 5]);
  assert.deepEqual(committed(), [], 'not yet committed: five messages would be five FTS5 segments');
  const deadline = Date.now() + 5000;
  while (committed().length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(committed(), [1, 2, 3, 4, 5]);
  assert.equal(await index.watermark(), 5);
});
