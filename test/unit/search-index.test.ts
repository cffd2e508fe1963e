// The full-text index worker on a real SQLite file: head and body columns, TEXT vs BODY scopes,
// the schema version that rebuilds an index from an older version from scratch, messages read
// from their files when the worker is far behind, and the start-up comparison with the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SearchIndex, type StoredText } from '../../src/store/sqlite-maildir/search-index.ts';
import { fileDocument, searchDocument } from '../../src/store/sqlite-maildir/search-document.ts';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { silentLogger } from '../../src/core/logger.ts';

const msg = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');
/** No file behind it: these tests give the text, which the index takes while it keeps up. */
const NOWHERE: StoredText = { file: '/nonexistent/new/x', offset: 0 };
const ids = (a: Float64Array): number[] => [...a];
const find = async (index: SearchIndex, query: string, scope: 'text' | 'body'): Promise<number[]> => (await index.search(query, scope)).ids;

test('TEXT looks in head and body, BODY in the body only; quotes stay literal', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const index = new SearchIndex(path.join(dir, 'search.db'), silentLogger());
  t.after(() => index.close());
  const a = msg(['Subject: =?UTF-8?Q?Stra=C3=9Fenfest?=', 'X-Custom: zebra crossing', '', 'nothing "quoted" here', '']);
  const b = msg(['Subject: plain', '', 'the zebra is in the body', '']);
  const prefix = Buffer.from('Delivered-To: carol@example.net\r\n');
  index.add(1, NOWHERE, () => searchDocument(Buffer.alloc(0), parseMessage(a)));
  index.add(2, NOWHERE, () => fileDocument(Buffer.concat([prefix, b]), prefix.length));
  assert.deepEqual(await find(index, 'zebra', 'text'), [1, 2]);
  assert.deepEqual(await find(index, 'zebra', 'body'), [2]);
  assert.deepEqual(await find(index, 'STRASSENFEST', 'text'), []);
  assert.deepEqual(await find(index, 'straßenfest', 'text'), [1]);
  assert.deepEqual(await find(index, 'straßenfest', 'body'), []);
  assert.deepEqual(await find(index, 'carol@example', 'text'), [2]);
  assert.deepEqual(await find(index, 'x-custom', 'text'), [1]);
  assert.deepEqual(await find(index, '"quoted" h', 'body'), [1]);
  assert.deepEqual(await find(index, 'body : zeb', 'text'), []);
  index.remove([2]);
  assert.deepEqual(await find(index, 'zebra', 'text'), [1]);
  assert.deepEqual(ids(await index.indexed()), [1]);
});

test('a search right after many additions and removals sees them all, indexed or still queued', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const index = new SearchIndex(path.join(dir, 'search.db'), silentLogger(), { maxTexts: 10_000 });
  t.after(() => index.close());
  const doc = (i: number): [string, string] => [`Subject: m${i}`, i % 10 === 0 ? `a Needle in ${i}` : `hay ${i}`];
  for (let i = 1; i <= 1500; i++) index.add(i, NOWHERE, () => doc(i));
  const every10 = Array.from({ length: 150 }, (_, k) => (k + 1) * 10);
  assert.deepEqual(await find(index, 'needle', 'body'), every10);
  assert.deepEqual(await find(index, 'needle', 'text'), every10);
  assert.deepEqual(await find(index, 'subject: m1499', 'text'), [1499]);
  assert.deepEqual(await find(index, 'subject: m1499', 'body'), []);
  for (let i = 1501; i <= 3000; i++) index.add(i, NOWHERE, () => doc(i));
  index.remove([10, 20, 2990]);
  index.add(30, NOWHERE, () => ['Subject: m30', 'no longer']);
  const expect = Array.from({ length: 300 }, (_, k) => (k + 1) * 10).filter((n) => ![10, 20, 30, 2990].includes(n));
  assert.deepEqual(await find(index, 'NEEDLE', 'text'), expect);
  assert.equal((await index.indexed()).length, 2997);
  assert.deepEqual(await find(index, 'needle', 'text'), expect);
});

test('an index of an older schema is dropped, so everything is fed again', async (t) => {
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
  assert.deepEqual(ids(await index.indexed()), []);
  assert.deepEqual(await find(index, 'old body', 'text'), []);
  index.add(3, NOWHERE, () => ['subject: kept', 'new body']);
  assert.deepEqual(await find(index, 'new body', 'body'), [3]);
  await index.close();
  // the current version is kept as it is
  index = new SearchIndex(file, silentLogger());
  t.after(() => index.close());
  assert.deepEqual(ids(await index.indexed()), [3]);
  assert.deepEqual(await find(index, 'kept', 'text'), [3]);
});

test('changes sent one at a time are committed together, after a short wait, and searched meanwhile', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'search.db');
  const index = new SearchIndex(file, silentLogger());
  t.after(() => index.close());
  assert.deepEqual(ids(await index.indexed()), []); // the worker has made its tables
  const reader = new DatabaseSync(file, { readOnly: true });
  t.after(() => reader.close());
  const committed = (): number[] => (reader.prepare(`SELECT rowid FROM fts WHERE fts MATCH '"trickle"' ORDER BY rowid`).all() as { rowid: number }[]).map((r) => r.rowid);
  // One a message, each sent on its own (an APPEND at a time): the worker holds them for company.
  // No sleeps: the search's answer says the worker has all five, well inside its wait.
  for (let i = 1; i <= 5; i++) {
    index.add(i, NOWHERE, () => [`Subject: m${i}`, 'a trickle of mail']);
    void index.flush();
  }
  assert.deepEqual(await find(index, 'trickle', 'body'), [1, 2, 3, 4, 5]);
  assert.deepEqual(committed(), [], 'not yet committed: five messages would be five FTS5 segments');
  const deadline = Date.now() + 5000;
  while (committed().length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(committed(), [1, 2, 3, 4, 5]);
  assert.deepEqual(ids(await index.indexed()), [1, 2, 3, 4, 5]);
});

/** A Maildir folder in `dir` with messages i in `nums` in new/, each with a body naming it. */
function folder(dir: string, nums: number[]): Map<number, StoredText> {
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
  const out = new Map<number, StoredText>();
  for (const i of nums) {
    const file = path.join(dir, 'new', `17000000${i}.M1P1.host,S=40`);
    writeFileSync(file, `Subject: file ${i}\r\n\r\nkiwi from file m${i}.\r\n`);
    out.set(i, { file, offset: 0 });
  }
  return out;
}

test('past its limit of texts in flight, the index reads messages from their files; a search waits for those', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = folder(path.join(dir, 'mail'), [1, 2, 3, 4, 5, 6]);
  const index = new SearchIndex(path.join(dir, 'search.db'), silentLogger(), { maxTexts: 2 });
  t.after(() => index.close());
  // The texts given differ from the files, to show which was indexed.
  for (const [i, where] of files) index.add(i, where, () => [`Subject: memory ${i}`, 'kiwi from memory']);
  // Flags changed meanwhile (renamed into cur/), and one expunged: found by base name, or skipped.
  const five = files.get(5)!.file;
  renameSync(five, five.replace('/new/', '/cur/') + ':2,S');
  unlinkSync(files.get(6)!.file);
  assert.deepEqual(await find(index, 'kiwi from memory', 'body'), [1, 2]);
  assert.deepEqual(await find(index, 'kiwi from file', 'body'), [3, 4, 5]);
  assert.deepEqual(await find(index, 'from file m5', 'text'), [5]);
  assert.deepEqual(ids(await index.indexed()), [1, 2, 3, 4, 5]);
});

test('a stop leaves additions unmade; the next start finds what is missing, and what is gone', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'search.db');
  const nums = Array.from({ length: 400 }, (_, k) => k + 1);
  const files = folder(path.join(dir, 'mail'), nums);
  let index = new SearchIndex(file, silentLogger(), { maxTexts: 3 });
  for (const i of [1, 2, 3]) index.add(i, files.get(i)!, () => [`Subject: m${i}`, `text m${i}.`]);
  assert.deepEqual(ids(await index.indexed()), [1, 2, 3]);
  for (const i of nums.slice(3)) index.add(i, files.get(i)!);
  await index.close(false); // a server stopping: does not wait for 397 files to be read
  index = new SearchIndex(file, silentLogger());
  t.after(() => index.close());
  const before = ids(await index.indexed());
  assert.deepEqual(before.slice(0, 3), [1, 2, 3]);
  // Message 2 was expunged while the server was down; the store holds the others.
  const existing = Float64Array.from(nums.filter((i) => i !== 2));
  const asked: number[] = [];
  // 401: stored after the store was read (indexed meanwhile), so not taken for a stale one.
  index.add(401, NOWHERE, () => ['Subject: m401', 'text m401.']);
  const r = await index.catchUp(existing, 400, (batch) => {
    asked.push(...batch);
    return new Map(batch.map((i) => [i, files.get(i)!]));
  });
  assert.equal(r.stale, 1);
  assert.equal(r.missing, 400 - before.length);
  assert.deepEqual(asked, nums.filter((i) => !before.includes(i)), 'only what was missing is read');
  assert.deepEqual(await find(index, 'kiwi from file', 'body'), nums.slice(3));
  assert.deepEqual(await find(index, 'text m', 'body'), [1, 3, 401]);
  assert.deepEqual(ids(await index.indexed()), [...existing, 401]);
});

test('messages whose text was capped are named partial until removed, from memory or from a file', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mh-fts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const big = path.join(dir, 'mail', 'new', '1.M1P1.host,S=1');
  mkdirSync(path.dirname(big), { recursive: true });
  const line = 'another long log line\r\n';
  writeFileSync(big, 'Subject: big\r\n\r\n' + line.repeat(Math.ceil((1024 * 1024 + 50_000) / (line.length - 1))) + 'tail\r\n');
  const index = new SearchIndex(path.join(dir, 'search.db'), silentLogger());
  t.after(() => index.close());
  index.add(1, NOWHERE, () => ['Subject: a', 'capped text', true]);
  index.add(2, NOWHERE, () => ['Subject: b', 'whole text']);
  index.add(3, { file: big, offset: 0 });
  assert.deepEqual(await index.search('text', 'body'), { ids: [1, 2], partial: [3] });
  assert.deepEqual(await index.search('nowhere', 'body'), { ids: [], partial: [1, 3] });
  index.remove([1]);
  index.add(3, NOWHERE, () => ['Subject: c', 'no longer big']);
  assert.deepEqual(await index.search('nowhere', 'body'), { ids: [], partial: [] });
});
