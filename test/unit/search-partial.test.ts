// A message whose text passes the cap the full-text index keeps (MAX_TEXT_CHARS) is marked
// partial; SEARCH TEXT/BODY reads its file, all of its text, when the index did not find the
// string, so a word past the cap is found. Other messages' files are never read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, migrate } from '../../src/db/sqlite.ts';
import { STORE_MIGRATIONS } from '../../src/store/sqlite-maildir/schema.ts';
import { IndexWriter } from '../../src/store/sqlite-maildir/index-writer.ts';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { searchMessages } from '../../src/store/sqlite-maildir/search-messages.ts';
import { searchDocument, type SearchDoc } from '../../src/store/sqlite-maildir/search-document.ts';
import { MAX_TEXT_CHARS } from '../../src/mime/limits.ts';

test('a word past the cap of indexed text is found by reading that message, and only that one', async () => {
  const db = openDatabase(':memory:');
  migrate(db, 'store', STORE_MIGRATIONS);
  const w = new IndexWriter(db);
  const box = w.ensureMailbox(1, 'INBOX', '', null, true);
  const line = 'a line of a very long log that goes on and on\r\n';
  const big = Buffer.from(`Subject: big\r\n\r\n${line.repeat(Math.ceil((MAX_TEXT_CHARS + 100_000) / (line.length - 1)))}the zqxjmarker at the end\r\n`);
  const small = Buffer.from('Subject: small\r\n\r\nnothing much, a log line\r\n');
  const files = new Map<string, Buffer>();
  const docs = new Map<number, SearchDoc>();
  for (const [name, raw] of [['new/big', big], ['new/small', small]] as const) {
    const parsed = parseMessage(raw);
    const { id } = w.insertMessage(box.id, { file: name, size: raw.length, dataOffset: 0, internalDate: 0, flags: 0, keywords: null, parsed });
    files.set(name, raw);
    docs.set(id, searchDocument(Buffer.alloc(0), parsed));
  }
  assert.equal(docs.get(1)![2], true, 'the big one is marked partial');
  assert.equal(docs.get(2)![2], false);
  assert.ok(!docs.get(1)![1].includes('zqxjmarker'), 'the marker is past what the index keeps');
  const reads: string[] = [];
  const search = (criteria: Parameters<typeof searchMessages>[1]['criteria']): Promise<number[]> =>
    searchMessages(db, {
      mailboxId: box.id,
      criteria,
      // as the search worker answers: the ids whose kept text matches, and the partial ones
      textSearch: async (q) => {
        const ids = [...docs].filter(([, [, body]]) => body.toLowerCase().includes(q.toLowerCase())).map(([i]) => i);
        return { ids, partial: [...docs].filter(([i, d]) => d[2] === true && !ids.includes(i)).map(([i]) => i) };
      },
      readMessage: async (row) => {
        reads.push(row.file);
        return files.get(row.file)!;
      },
    });
  assert.deepEqual(await search({ op: 'body', value: 'ZQXJmarker' }), [1]);
  assert.deepEqual(reads, ['new/big']);
  assert.deepEqual(await search({ op: 'text', value: 'zqxjmarker at the end' }), [1]);
  assert.deepEqual(await search({ op: 'not', of: { op: 'body', value: 'zqxjmarker' } }), [2]);
  assert.deepEqual(await search({ op: 'body', value: 'log line' }), [2], 'the big one read, and no match there');
  reads.length = 0;
  assert.deepEqual(await search({ op: 'body', value: 'very long log' }), [1]);
  assert.deepEqual(reads, [], 'found in the index: no file read');
  db.close();
});
