// MODSEQs and the expunge memory belong to the index: they survive a restart, and a restarted
// server carries on from the highest MODSEQ (RFC 7162 §3.1: per mailbox, only ever growing).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseMessage } from '../../src/mime/parse-message.ts';
import type { AccountRef } from '../../src/store/store.ts';
import { startTestServer } from '../harness/server.ts';

const msg = (subject: string) => {
  const content = Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`);
  return { content, parsed: parseMessage(content), internalDate: new Date('2026-01-02T03:04:05Z'), flags: [] as string[] };
};

test('MODSEQ, expunged UIDs and MAILBOXID survive a restart; conditional STORE in the store', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-modseq-'));
  try {
    let t = await startTestServer({}, dir);
    await t.addDomain('ms.test');
    const acc: AccountRef = { id: await t.addUser('mo@ms.test'), local: 'mo', domain: 'ms.test' };
    let store = t.server.services.store;
    const { mailboxId } = await store.append(acc, 'INBOX', [msg('a'), msg('b'), msg('c')]);
    await store.setFlags(acc, mailboxId, [1], 'add', ['\\Deleted']);
    assert.deepEqual(await store.expunge(acc, mailboxId), [1]);
    const before = (await store.getMailbox(acc.id, 'INBOX'))!;
    await t.stop();

    t = await startTestServer({}, dir);
    store = t.server.services.store;
    const after = (await store.getMailbox(acc.id, 'INBOX'))!;
    assert.equal(after.highestModSeq, before.highestModSeq);
    assert.equal(after.objectId, before.objectId);
    assert.deepEqual(await store.vanishedSince(mailboxId, 0), [[1, 1]]);
    assert.deepEqual(await store.vanishedSince(mailboxId, before.highestModSeq), []);
    const flagged = await store.setFlags(acc, mailboxId, [2, 3], 'add', ['\\Flagged']);
    assert.equal(flagged.modSeq, before.highestModSeq + 1);
    assert.deepEqual(await store.changedSince(mailboxId, [2, 3], before.highestModSeq), [2, 3]);
    // UNCHANGEDSINCE: 3 changed again, so a store conditional on the older MODSEQ skips it.
    const seen = await store.setFlags(acc, mailboxId, [3], 'add', ['\\Seen']);
    const cond = await store.setFlags(acc, mailboxId, [2, 3], 'add', ['$Done'], flagged.modSeq);
    assert.deepEqual(cond.uids, [2]);
    assert.deepEqual(cond.failed, [3]);
    assert.ok(cond.modSeq > seen.modSeq);
    const [two, three] = await store.messageMetas(mailboxId, [2, 3]);
    assert.deepEqual(two.flags, ['\\Flagged', '$Done']);
    assert.deepEqual(three.flags, ['\\Seen', '\\Flagged']);
    await t.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
