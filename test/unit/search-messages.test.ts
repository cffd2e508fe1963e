// searchMessages over an in-memory index built the way delivery builds it: one SQL WHERE where
// possible, the file only for what the index cannot answer, and only for rows SQL let through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, migrate } from '../../src/db/sqlite.ts';
import { STORE_MIGRATIONS, FLAG_BITS } from '../../src/store/sqlite-maildir/schema.ts';
import { IndexWriter } from '../../src/store/sqlite-maildir/index-writer.ts';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { searchMessages } from '../../src/store/sqlite-maildir/search-messages.ts';
import { searchDocument, type SearchDoc } from '../../src/store/sqlite-maildir/search-document.ts';
import type { Criteria } from '../../src/store/search-criteria.ts';
import { crlf, fixture } from '../fixtures/mime/load.ts';

const PREFIX = 'Delivered-To: bob@example.com\r\n';
const { '\\Seen': SEEN, '\\Answered': ANSWERED, '\\Flagged': FLAGGED, '\\Deleted': DELETED } = FLAG_BITS;

type Msg = { raw: Buffer; flags: number; keywords: string | null; internal: string };

const MESSAGES: Msg[] = [
  // uid 1: Lunch on Friday?  Date: Mon, 3 Mar 2025 10:15:00 +0100
  { raw: fixture('simple-text.eml'), flags: SEEN, keywords: ' $Forwarded Work ', internal: '2025-03-03T09:15:02Z' },
  // uid 2: Réunion d’équipe (QP body)  Date: Thu, 13 Feb 2025 16:04:11 -0500 = 21:04 UTC
  { raw: fixture('alternative.eml'), flags: FLAGGED | ANSWERED, keywords: null, internal: '2025-02-14T02:00:00Z' },
  // uid 3: Fwd: Report (message/rfc822 inside)
  { raw: fixture('nested-rfc822.eml'), flags: 0, keywords: ' $Junk ', internal: '2025-02-15T12:00:01Z' },
  // uid 4: Documents (attachments)
  { raw: fixture('mixed-attachments.eml'), flags: DELETED | SEEN, keywords: null, internal: '2025-02-14T08:00:05Z' },
  // uid 5: no Date:, a header only the file knows
  { raw: Buffer.from(crlf(['X-Mailer: Mutt/2.2', 'Subject: hi', 'To: bob@example.com', '', 'ok', ''])), flags: 0, keywords: null, internal: '2025-03-10T23:59:59Z' },
  // uid 6: an encoded header field that is not indexed
  { raw: Buffer.from(crlf(['X-Custom: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Berlin?=', 'Subject: Stra\u00dfe', '', 'Sch\u00f6ne Gr\u00fc\u00dfe', '']), 'utf8'), flags: 0, keywords: ' urgent ', internal: '2025-03-11T00:00:00Z' },
];

function setup() {
  const db = openDatabase(':memory:');
  migrate(db, 'store', STORE_MIGRATIONS);
  const w = new IndexWriter(db);
  const box = w.ensureMailbox(1, 'INBOX', '', null, true);
  const other = w.ensureMailbox(1, 'Other', '.Other', null, true);
  const files = new Map<string, Buffer>();
  const docs = new Map<number, SearchDoc>();
  MESSAGES.forEach((m, i) => {
    const file = Buffer.concat([Buffer.from(PREFIX), m.raw]);
    const name = `new/${i + 1}.M1P1.host,S=${file.length}`;
    const parsed = parseMessage(m.raw);
    const { id } = w.insertMessage(box.id, {
      file: name, size: file.length, dataOffset: PREFIX.length, internalDate: Date.parse(m.internal),
      flags: m.flags, keywords: m.keywords, parsed,
    });
    files.set(name, file);
    docs.set(id, searchDocument(Buffer.from(PREFIX), parsed));
  });
  // the same message in another mailbox must never show up
  const parsed = parseMessage(MESSAGES[0].raw);
  const { id } = w.insertMessage(other.id, { file: 'new/x', size: 1, dataOffset: 0, internalDate: 0, flags: SEEN, keywords: ' work ', parsed });
  docs.set(id, searchDocument(Buffer.alloc(0), parsed));
  files.set('new/x', MESSAGES[0].raw);

  const reads: string[] = [];
  const queries: string[] = [];
  const search = (criteria: Criteria): Promise<number[]> =>
    searchMessages(db, {
      mailboxId: box.id,
      criteria,
      textSearch: async (q, scope) => {
        queries.push(scope === 'body' ? q : `${scope}:${q}`);
        assert.ok([...q].length >= 3, 'the index only answers 3+ characters');
        // as FTS5 with a column filter: a phrase matches within one column
        const has = (t: string): boolean => t.toLowerCase().includes(q.toLowerCase());
        return { ids: [...docs].filter(([, [head, body]]) => has(body) || (scope === 'text' && has(head))).map(([i]) => i), partial: [] };
      },
      readMessage: async (row) => {
        reads.push(row.file);
        return files.get(row.file)!;
      },
    });
  return { db, search, reads, queries, box };
}

const flag = (f: string, set = true): Criteria => ({ op: 'flag', flag: f, set });

test('flags and keywords from the index, without reading files', async () => {
  const { search, reads } = setup();
  assert.deepEqual(await search(flag('\\Seen')), [1, 4]);
  assert.deepEqual(await search(flag('\\seen', false)), [2, 3, 5, 6]);
  assert.deepEqual(await search({ op: 'all', of: [flag('\\Flagged'), flag('\\Answered')] }), [2]);
  assert.deepEqual(await search(flag('\\Deleted')), [4]);
  assert.deepEqual(await search(flag('\\Draft')), []);
  assert.deepEqual(await search(flag('\\Recent')), []);
  assert.deepEqual(await search(flag('work')), [1]);
  assert.deepEqual(await search(flag('$FORWARDED')), [1]);
  assert.deepEqual(await search(flag('wor')), []);
  assert.deepEqual(await search(flag('work', false)), [2, 3, 4, 5, 6]);
  assert.deepEqual(await search(flag('50%_')), []);
  assert.deepEqual(await search({ op: 'everything' }), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await search({ op: 'all', of: [] }), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await search({ op: 'any', of: [] }), []);
  assert.equal(reads.length, 0);
});

test('header columns: case-insensitive substrings, Unicode too, values are parameters', async () => {
  const { search, reads } = setup();
  assert.deepEqual(await search({ op: 'field', field: 'subject', value: 'LUNCH' }), [1]);
  assert.deepEqual(await search({ op: 'field', field: 'subject', value: 'réunion' }), [2]);
  assert.deepEqual(await search({ op: 'field', field: 'subject', value: 'RÉUNION D’ÉQUIPE' }), [2]);
  assert.deepEqual(await search({ op: 'field', field: 'from', value: 'Renée' }), [2]);
  assert.deepEqual(await search({ op: 'field', field: 'from', value: 'alice@' }), [1]);
  assert.deepEqual(await search({ op: 'field', field: 'to', value: 'bob' }), [1, 5]);
  assert.deepEqual(await search({ op: 'field', field: 'cc', value: 'carol' }), [2]);
  assert.deepEqual(await search({ op: 'field', field: 'bcc', value: 'x' }), []);
  assert.deepEqual(await search({ op: 'field', field: 'subject', value: "it's\" OR 1=1 --" }), []);
  assert.deepEqual(await search({ op: 'field', field: 'subject', value: '' }), [1, 2, 3, 4, 5, 6]);
  assert.equal(reads.length, 0);
});

test('dates on UTC days; SENT* falls back to the internal date; sizes; UIDs; MODSEQ', async () => {
  const { search, db, box } = setup();
  const d = (which: 'internal' | 'sent', cmp: 'before' | 'on' | 'since', day: string): Criteria => ({ op: 'date', which, cmp, day });
  assert.deepEqual(await search(d('internal', 'on', '2025-02-14')), [2, 4]);
  assert.deepEqual(await search(d('internal', 'before', '2025-02-14')), []);
  assert.deepEqual(await search(d('internal', 'before', '2025-02-15')), [2, 4]);
  assert.deepEqual(await search(d('internal', 'since', '2025-03-10')), [5, 6]);
  assert.deepEqual(await search(d('internal', 'on', '2025-03-10')), [5]);
  assert.deepEqual(await search(d('sent', 'on', '2025-02-13')), [2]);
  assert.deepEqual(await search(d('sent', 'on', '2025-03-03')), [1]);
  assert.deepEqual(await search(d('sent', 'on', '2025-03-10')), [5]); // no Date: → internal date
  assert.deepEqual(await search(d('sent', 'before', '2025-02-14')), [2]);

  const sizes = (db.prepare('SELECT uid, size FROM messages WHERE mailbox_id = ? ORDER BY uid').all(box.id) as { uid: number; size: number }[]);
  const s3 = sizes[2].size;
  assert.deepEqual(await search({ op: 'size', cmp: 'larger', value: s3 }), sizes.filter((r) => r.size > s3).map((r) => r.uid));
  assert.deepEqual(await search({ op: 'size', cmp: 'smaller', value: s3 }), sizes.filter((r) => r.size < s3).map((r) => r.uid));
  assert.deepEqual(await search({ op: 'size', cmp: 'larger', value: s3 - 1 }).then((u) => u.includes(3)), true);

  assert.deepEqual(await search({ op: 'uid', ranges: [[2, 3], [6, 6]] }), [2, 3, 6]);
  assert.deepEqual(await search({ op: 'uid', ranges: [] }), []);
  const many: [number, number][] = Array.from({ length: 40 }, (_, i) => [i * 2 + 1, i * 2 + 1]); // odd UIDs
  assert.deepEqual(await search({ op: 'uid', ranges: many }), [1, 3, 5]);
  assert.deepEqual(await search({ op: 'not', of: { op: 'uid', ranges: many } }), [2, 4, 6]);
  // MODSEQ: delivery gives message n the MODSEQ n + 1
  assert.deepEqual(await search({ op: 'modseq', atLeast: 5 }), [4, 5, 6]);
});

test('BODY: 3+ characters through the index, shorter ones from the decoded file text', async () => {
  const { search, reads, queries } = setup();
  assert.deepEqual(await search({ op: 'body', value: 'free for LUNCH' }), [1]);
  assert.deepEqual(await search({ op: 'body', value: 'réunion est' }), [2]); // decoded QP
  assert.deepEqual(await search({ op: 'body', value: 'report is ready' }), [3]);
  assert.deepEqual(await search({ op: 'body', value: 'Friday?' }), [1]); // not the Subject
  assert.deepEqual(queries, ['free for LUNCH', 'réunion est', 'report is ready', 'Friday?']);
  assert.equal(reads.length, 0);
  assert.deepEqual(await search({ op: 'body', value: '' }), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await search({ op: 'text', value: '' }), [1, 2, 3, 4, 5, 6]);
  assert.equal(reads.length, 0);
  assert.deepEqual(await search({ op: 'body', value: 'OK' }), [5]);
  assert.equal(reads.length, 6);
  reads.length = 0;
  // SQL narrows first: only unseen messages are read
  assert.deepEqual(await search({ op: 'all', of: [flag('\\Seen', false), { op: 'body', value: 'GR' }] }), [6]);
  assert.deepEqual(reads.map((r) => r.split('.')[0]).sort(), ['new/2', 'new/3', 'new/5', 'new/6']);
});

test('TEXT of 3+ characters: the index alone, header (prefix lines included) and body', async () => {
  const { search, reads, queries } = setup();
  assert.deepEqual(await search({ op: 'text', value: 'lunch' }), [1]); // subject and body
  assert.deepEqual(await search({ op: 'text', value: 'Renée' }), [2]); // decoded From
  assert.deepEqual(await search({ op: 'text', value: 'mutt/2' }), [5]); // X-Mailer: header only
  assert.deepEqual(await search({ op: 'text', value: 'bob@example.com' }), [1, 2, 3, 4, 5, 6]); // Delivered-To
  assert.deepEqual(await search({ op: 'text', value: 'grüße aus' }), [6]); // encoded word in X-Custom
  assert.deepEqual(await search({ op: 'text', value: 'STRASSE' }), []);
  assert.deepEqual(await search({ op: 'text', value: 'straße' }), [6]); // Subject only
  assert.deepEqual(await search({ op: 'text', value: 'x-mailer' }), [5]); // field names are header text too
  assert.deepEqual(await search({ op: 'all', of: [flag('\\Seen'), { op: 'text', value: 'lunch' }] }), [1]);
  assert.deepEqual(await search({ op: 'not', of: { op: 'text', value: 'mutt/2' } }), [1, 2, 3, 4, 6]);
  assert.equal(reads.length, 0);
  assert.ok(queries.every((q) => q.startsWith('text:')));
});

test('TEXT under 3 characters: the decoded columns, then the file (header and body)', async () => {
  const { search, reads } = setup();
  assert.deepEqual(await search({ op: 'text', value: 'ok' }), [5]); // body text
  assert.deepEqual(await search({ op: 'text', value: 'hi' }), [1, 5]); // "Hi Bob" (body), "Subject: hi"
  assert.deepEqual(await search({ op: 'text', value: 'Gr' }), [6]); // body and X-Custom
  assert.deepEqual(await search({ op: 'text', value: 'z.' }), []);
  assert.ok(reads.length > 0);
  reads.length = 0;
  // a row the columns already match is not read
  assert.deepEqual(await search({ op: 'all', of: [flag('\\Seen'), { op: 'text', value: 'lu' }] }), [1]);
  assert.equal(reads.length, 1); // only uid 4 (Seen, no column match)
  assert.deepEqual(await search({ op: 'not', of: { op: 'text', value: 'ok' } }), [1, 2, 3, 4, 6]);
});

test('BODY never matches text that is only in the header', async () => {
  const { search, reads, queries } = setup();
  assert.deepEqual(await search({ op: 'body', value: 'mutt/2' }), []); // X-Mailer
  assert.deepEqual(await search({ op: 'body', value: 'grüße aus' }), []); // X-Custom
  assert.deepEqual(await search({ op: 'body', value: 'straße' }), []); // Subject
  assert.deepEqual(await search({ op: 'body', value: 'bob@example.com' }), []); // Delivered-To, To
  assert.deepEqual(await search({ op: 'body', value: 'schöne' }), [6]);
  assert.deepEqual(await search({ op: 'any', of: [{ op: 'body', value: 'mutt/2' }, { op: 'text', value: 'mutt/2' }] }), [5]);
  assert.deepEqual(await search({ op: 'all', of: [{ op: 'text', value: 'grüße' }, { op: 'not', of: { op: 'body', value: 'grüße aus' } }] }), [6]);
  assert.deepEqual(queries, ['mutt/2', 'grüße aus', 'straße', 'bob@example.com', 'schöne', 'mutt/2', 'text:mutt/2', 'text:grüße', 'grüße aus']);
  assert.equal(reads.length, 0);
});

test('TEXT finds MIME part headers and enclosed messages\' headers; BODY does not (RFC 9051 §6.4.4)', async () => {
  const { search } = setup();
  assert.deepEqual(await search({ op: 'text', value: 'report.eml' }), [3]); // a part's Content-Disposition
  assert.deepEqual(await search({ op: 'text', value: 'eve@example.org' }), [3]); // the attached message's From
  assert.deepEqual(await search({ op: 'text', value: 'A photo' }), [4]); // Content-Description
  assert.deepEqual(await search({ op: 'text', value: 'Üb' }), [4]); // short: from the file, the decoded PDF name
  assert.deepEqual(await search({ op: 'body', value: 'eve@example.org' }), []);
  assert.deepEqual(await search({ op: 'body', value: 'Üb' }), []);
});

test('HEADER: any field from the file, decoded; "" asks only that the field exists; known fields use columns', async () => {
  const { search, reads } = setup();
  assert.deepEqual(await search({ op: 'header', field: 'x-mailer', value: 'MUTT' }), [5]);
  assert.deepEqual(await search({ op: 'header', field: 'X-Mailer', value: '' }), [5]);
  assert.deepEqual(await search({ op: 'header', field: 'X-Custom', value: 'grüße' }), [6]);
  assert.deepEqual(await search({ op: 'header', field: 'X-Custom', value: '=?UTF-8?Q?Gr' }), [6]); // raw form too
  assert.deepEqual(await search({ op: 'header', field: 'Delivered-To', value: 'bob' }), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await search({ op: 'header', field: 'Message-ID', value: 'docs-1' }), [4]);
  assert.deepEqual(await search({ op: 'header', field: 'Received', value: 'ESMTPS id 4A1B' }), [1]); // folded
  assert.deepEqual(await search({ op: 'header', field: 'Subject', value: 'Report' }), [3]); // "Fwd: Report"
  reads.length = 0;
  assert.deepEqual(await search({ op: 'header', field: 'SUBJECT', value: 'straße' }), [6]);
  assert.equal(reads.length, 0);
});

test('NOT and OR over criteria that need the file stay exact', async () => {
  const { search } = setup();
  const mutt: Criteria = { op: 'header', field: 'X-Mailer', value: 'mutt' };
  assert.deepEqual(await search({ op: 'not', of: mutt }), [1, 2, 3, 4, 6]);
  assert.deepEqual(await search({ op: 'any', of: [mutt, flag('\\Flagged')] }), [2, 5]);
  assert.deepEqual(await search({ op: 'not', of: { op: 'any', of: [mutt, flag('\\Seen')] } }), [2, 3, 6]);
  assert.deepEqual(await search({ op: 'all', of: [{ op: 'not', of: mutt }, { op: 'not', of: { op: 'text', value: 'lunch' } }, flag('\\Seen', false)] }), [2, 3, 6]);
  assert.deepEqual(await search({ op: 'any', of: [{ op: 'all', of: [mutt, flag('\\Seen')] }, { op: 'body', value: 'ok' }] }), [5]);
  assert.deepEqual(await search({ op: 'not', of: { op: 'not', of: { op: 'body', value: 'Sc' } } }), [6]);
  assert.deepEqual(await search({ op: 'any', of: [{ op: 'text', value: 'mutt' }, { op: 'uid', ranges: [[1, 2]] }] }), [1, 2, 5]);
});

test('thousands of keys in one AND or OR: SQLite\'s 1,000-deep expression limit is not reached', async () => {
  const { search } = setup();
  const many = (n: number, c: Criteria): Criteria[] => Array.from({ length: n }, () => c);
  assert.deepEqual(await search({ op: 'all', of: many(4000, flag('\\Seen')) }), [1, 4]);
  assert.deepEqual(await search({ op: 'any', of: [...many(3000, flag('\\Flagged')), flag('\\Deleted')] }), [2, 4]);
  assert.deepEqual(await search({ op: 'all', of: many(2000, { op: 'text', value: 'lunch' }) }), [1]);
});

test('the SQL is parameterised: no searched value ever appears in a statement', async () => {
  const { search, db } = setup();
  const seen: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    seen.push(sql);
    return prepare(sql);
  }) as typeof db.prepare;
  const evil = "zq'); DROP TABLE messages; --";
  const criteria: Criteria = {
    op: 'any',
    of: [
      { op: 'field', field: 'subject', value: evil },
      { op: 'text', value: evil },
      { op: 'flag', flag: evil, set: true },
      { op: 'header', field: 'x-zq', value: evil },
      { op: 'body', value: 'zqü' + evil },
      { op: 'size', cmp: 'larger', value: 987654321 },
      { op: 'date', which: 'sent', cmp: 'on', day: '2031-01-02' },
      { op: 'uid', ranges: [[123456, 123457]] },
    ],
  };
  assert.deepEqual(await search(criteria), []);
  assert.ok(seen.length > 0);
  for (const sql of seen) {
    for (const v of ['zq', '987654321', '2031', String(Date.UTC(2031, 0, 2)), '123456']) assert.ok(!sql.includes(v), `${v} in ${sql}`);
  }
});
