// FETCH's ready wire text: ENVELOPE, BODY and BODYSTRUCTURE formatted once at delivery and kept
// in the index must equal what formatting the stored JSON gives, rows from before schema step 3
// (NULL wire text) still answer, COPY keeps the text, and scattered UIDs come back in order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchItems } from '../../src/imap/fetch-response.ts';
import { formatBodyStructure, formatEnvelope } from '../../src/mime/imap-format.ts';
import { parseMessage } from '../../src/mime/parse-message.ts';
import type { AccountRef, MessageRecord } from '../../src/store/store.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const nested = Buffer.from(
  'From: "Zoë Q" <zoe@b.test>\r\nTo: a@b.test, "Team" <team@b.test>\r\nSubject: =?UTF-8?Q?caf=C3=A9?= r\u00e9sum\u00e9\r\n' +
  'Date: Mon, 2 Feb 2026 10:00:00 +0000\r\nMessage-ID: <n1@b.test>\r\nMIME-Version: 1.0\r\n' +
  'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n' +
  '--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nhello\r\n' +
  '--XX\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="fwd.eml"\r\n\r\n' +
  'From: c@d.test\r\nSubject: inner\r\n\r\ninner body\r\n' +
  '--XX--\r\n',
  'utf8',
);
const plain = (i: number) => Buffer.from(`Subject: m${i}\r\nFrom: a@b.test\r\n\r\nbody ${i}\r\n`);
const input = (content: Buffer) => ({ content, parsed: parseMessage(content), internalDate: new Date('2026-01-02T03:04:05Z'), flags: [] as string[] });

const ITEMS = [{ item: 'ENVELOPE' }, { item: 'BODY' }, { item: 'BODYSTRUCTURE' }] as const;
const text = async (rec: MessageRecord, utf8: boolean) =>
  Buffer.concat(await fetchItems(rec, ITEMS, { utf8, loadContent: () => Promise.reject(new Error('no file needed')) })).toString('latin1');

describe('FETCH wire text in the index', () => {
  let t: TestServer;
  let acc: AccountRef;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('b.test');
    const id = await t.addUser('a@b.test');
    acc = { id, local: 'a', domain: 'b.test' };
  });
  after(() => t.stop());

  it('is what formatting the JSON gives, and rows without it are formatted', async () => {
    const store = t.server.services.store;
    const { mailboxId, uids } = await store.append(acc, 'INBOX', [input(nested)]);
    const [rec] = await store.messageRecords(mailboxId, uids);
    assert.ok(rec.wire);
    assert.equal(rec.wire.envelope, formatEnvelope(rec.envelope));
    assert.equal(rec.wire.body, formatBodyStructure(rec.body, false));
    assert.equal(rec.wire.bodyStructure, formatBodyStructure(rec.body, true));
    const withWire = await text(rec, false);
    // The same record without its wire text (envelope and body are getters: a spread leaves them out).
    const noWire = { ...rec, envelope: rec.envelope, body: rec.body, wire: null };
    assert.equal(withWire, await text(noWire, false));
    // UTF8=ACCEPT does not take the stored (non-UTF-8) form.
    assert.equal(await text(rec, true), await text(noWire, true));

    const copied = await store.copy(acc, mailboxId, uids, 'INBOX');
    const [copy] = await store.messageRecords(mailboxId, copied.destUids);
    assert.deepEqual(copy.wire, rec.wire);

    t.server.services.db.prepare('UPDATE messages SET envelope_imap = NULL, body_imap = NULL, bodystructure_imap = NULL WHERE mailbox_id = ?').run(mailboxId);
    const [old] = await store.messageRecords(mailboxId, uids);
    assert.equal(old.wire, null);
    assert.equal(await text(old, false), withWire);
  });

  it('reads the envelope and body JSON only when used, and the file from the record\'s location', async () => {
    const store = t.server.services.store;
    const { mailboxId, uids } = await store.append(acc, 'INBOX', [input(nested), input(plain(1))]);
    const full = await store.messageRecords(mailboxId, uids);
    // Count the reads of the JSON columns (the store's own SQL helper).
    const sql = (store as unknown as { sql: { recordJson: (id: number) => unknown } }).sql;
    const read = sql.recordJson.bind(sql);
    let jsonReads = 0;
    sql.recordJson = (id) => (jsonReads++, read(id));
    const lean = await store.messageRecords(mailboxId, uids, { json: false });
    assert.deepEqual(lean.map((r) => r.wire), full.map((r) => r.wire));
    assert.equal(jsonReads, 0, 'no JSON read for the wire text');
    assert.deepEqual(lean.map((r) => r.envelope), full.map((r) => r.envelope));
    assert.equal(jsonReads, 2, 'read once per record when the envelope is asked for');
    sql.recordJson = read;
    assert.deepEqual(lean.map((r) => r.body), full.map((r) => r.body));
    for (const r of lean) {
      assert.ok(r.location);
      assert.deepEqual(await store.readMessage(acc, mailboxId, r.uid, r.location), await store.readMessage(acc, mailboxId, r.uid));
    }
    assert.equal(await store.readMessage(acc, mailboxId, uids[0], '../../x/cur/y'), null);
  });

  it('returns scattered UIDs in order, the missing left out', async () => {
    const store = t.server.services.store;
    const { mailboxId, uids } = await store.append(acc, 'Archive', Array.from({ length: 30 }, (_, i) => input(plain(i))));
    await store.setFlags(acc, mailboxId, [uids[7]], 'add', ['\\Deleted']);
    await store.expunge(acc, mailboxId, [uids[7]]);
    const want = [uids[1], uids[3], uids[4], uids[5], uids[7], uids[9], uids[12], uids[20], uids[29]];
    const recs = await store.messageRecords(mailboxId, want);
    assert.deepEqual(recs.map((r) => r.uid), want.filter((u) => u !== uids[7]));
    assert.deepEqual(recs.map((r) => r.envelope.subject), ['m1', 'm3', 'm4', 'm5', 'm9', 'm12', 'm20', 'm29']);
  });
});
