// The store operations IMAP is built on, through the MessageStore interface of a real server:
// what lands on disk and in the index, and what the ChangeBus hears.
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMessage } from '../../src/mime/parse-message.ts';
import type { AccountRef, MailboxChange } from '../../src/store/store.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const msg = (subject: string) => {
  const content = Buffer.from(`Subject: ${subject}\r\nFrom: a@b.test\r\n\r\nbody ${subject}\r\n`);
  return { content, parsed: parseMessage(content), internalDate: new Date('2026-01-02T03:04:05Z'), flags: [] as string[] };
};

describe('store operations for IMAP', () => {
  let t: TestServer;
  let acc: AccountRef;
  let root: string;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('st.test');
    const id = await t.addUser('sue@st.test');
    acc = { id, local: 'sue', domain: 'st.test' };
    root = path.join(t.dataDir, 'mail', 'st.test', 'sue');
  });
  after(() => t.stop());

  it('appends into cur/ with flags and keyword letters in the name (Dovecot\'s dovecot-keywords), all or none', async () => {
    const store = t.server.services.store;
    const r = await store.append(acc, 'INBOX', [
      { ...msg('a'), flags: ['\\Seen', '\\Flagged', '$Forwarded', 'work'] },
      msg('b'),
    ]);
    assert.deepEqual(r.uids, [1, 2]);
    const files = await readdir(path.join(root, 'cur'));
    assert.ok(files.some((f) => /,S=\d+:2,FSab$/.test(f)), files.join());
    assert.equal(await readFile(path.join(root, 'dovecot-keywords'), 'utf8'), '0 $Forwarded\n1 work\n');
    const row = t.server.services.db.prepare('SELECT keywords, flags FROM message_flags WHERE mailbox_id = ? AND uid = 1').get(r.mailboxId) as { keywords: string; flags: number };
    assert.equal(row.keywords, ' $Forwarded work ');
    const metas = await store.listMessages(r.mailboxId);
    assert.deepEqual(metas[0].flags, ['\\Seen', '\\Flagged', '$Forwarded', 'work']);
    await assert.rejects(store.append(acc, 'Nowhere', [msg('c')]), { code: 'TRYCREATE' });
  });

  it('changes flags in one transaction with one new MODSEQ, and publishes after commit', async () => {
    const store = t.server.services.store;
    const inbox = (await store.getMailbox(acc.id, 'INBOX'))!;
    const heard: MailboxChange[] = [];
    const off = t.server.services.bus.subscribe(acc.id, (c) => heard.push(c));
    const changed = await store.setFlags(acc, inbox.id, [1, 2], 'add', ['\\Seen', 'WORK']);
    off();
    assert.deepEqual(changed.uids, [2], 'uid 1 had both already (keywords compare case-insensitively)');
    assert.ok(changed.modSeq > inbox.highestModSeq);
    assert.deepEqual(heard, [{ kind: 'flags', accountId: acc.id, mailboxId: inbox.id, uids: [2], modSeq: changed.modSeq }]);
    const none = await store.setFlags(acc, inbox.id, [1], 'remove', ['\\Draft']);
    assert.deepEqual(none, { modSeq: 0, uids: [] });
    // Bits only (one UPDATE per UID run): the changed UIDs are found by their new MODSEQ.
    const bits = await store.setFlags(acc, inbox.id, [1, 2], 'remove', ['\\Seen']);
    assert.deepEqual(bits.uids, [1, 2]);
    assert.ok(bits.modSeq > changed.modSeq);
    const table = await store.flagTable(inbox.id, [1, 2]);
    assert.deepEqual([...table.uids], [1, 2]);
    assert.deepEqual([...table.modSeqs!], [bits.modSeq, bits.modSeq]);
    assert.deepEqual(table.flags, ['\\Flagged $Forwarded work', 'WORK']);
    const packed = await store.flagTable(inbox.id, [1, 2], false);
    assert.deepEqual([...packed.uids], [1, 2]);
    assert.equal(packed.modSeqs, null);
    assert.deepEqual(packed.flags, table.flags);
  });

  it('copies by hard link with new UIDs, and expunges only \\Deleted messages, unlinking files', async () => {
    const store = t.server.services.store;
    const inbox = (await store.getMailbox(acc.id, 'INBOX'))!;
    const archive = (await store.getMailbox(acc.id, 'Archive'))!;
    const r = await store.copy(acc, inbox.id, [1, 2, 99], 'Archive');
    assert.deepEqual(r.sourceUids, [1, 2]);
    assert.deepEqual(r.destUids, [1, 2]);
    assert.equal(r.uidValidity, archive.uidValidity);
    const copied = await readdir(path.join(root, '.Archive', 'cur'));
    assert.equal(copied.length, 2);
    assert.equal((await stat(path.join(root, '.Archive', 'cur', copied[0]))).nlink, 2);

    await store.setFlags(acc, inbox.id, [2], 'add', ['\\Deleted']);
    assert.deepEqual(await store.expunge(acc, inbox.id), [2]);
    assert.deepEqual((await store.listMessages(inbox.id)).map((m) => m.uid), [1]);
    assert.equal((await readdir(path.join(root, 'cur'))).length, 1);
    const expunged = t.server.services.db.prepare('SELECT uid FROM expunged WHERE mailbox_id = ?').all(inbox.id) as { uid: number }[];
    assert.deepEqual(expunged.map((e) => e.uid), [2]);
    const body = await store.readMessage(acc, archive.id, 2);
    assert.match(body!.toString(), /Subject: b/);
  });

  it('moves: the source is expunged whatever its flags, the target gets the next UIDs', async () => {
    const store = t.server.services.store;
    const inbox = (await store.getMailbox(acc.id, 'INBOX'))!;
    const r = await store.move(acc, inbox.id, [1], 'Archive');
    assert.deepEqual(r.destUids, [3]);
    assert.equal((await store.getMailbox(acc.id, 'INBOX'))!.messages, 0);
    assert.equal((await store.getMailbox(acc.id, 'Archive'))!.messages, 3);
  });

  it('renames INBOX by moving its messages and leaving it empty', async () => {
    const store = t.server.services.store;
    await store.append(acc, 'INBOX', [msg('x'), msg('y')]);
    await store.renameMailbox(acc, 'INBOX', 'Old/Inbox');
    const old = (await store.getMailbox(acc.id, 'Old/Inbox'))!;
    assert.equal(old.messages, 2);
    assert.equal((await store.getMailbox(acc.id, 'INBOX'))!.messages, 0);
    assert.ok((await store.getMailbox(acc.id, 'Old'))!, 'parent created');
    assert.equal((await readdir(path.join(root, '.Old.Inbox', 'cur'))).length, 2);
  });

  it('refuses unsafe names and deleting INBOX; deleting a parent keeps its children', async () => {
    const store = t.server.services.store;
    for (const bad of ['..', '../x', 'a/../b', '/abs', 'a//b', 'tmp', 'x/new', 'a.b', '.x', '~x', 'a\u0000b', 'a\nb', 'x/', '*', 'a%']) {
      await assert.rejects(store.createMailbox(acc, bad), { code: 'CANNOT' }, JSON.stringify(bad));
    }
    await assert.rejects(store.deleteMailbox(acc, 'INBOX'), { code: 'CANNOT' });
    await assert.rejects(store.createMailbox(acc, 'Old'), { code: 'ALREADYEXISTS' });
    await store.deleteMailbox(acc, 'Old');
    assert.equal(await store.getMailbox(acc.id, 'Old'), null);
    assert.equal((await store.getMailbox(acc.id, 'Old/Inbox'))!.messages, 2, 'the child stays');
    assert.deepEqual((await readdir(root)).filter((d) => d.startsWith('.Old')), ['.Old.Inbox']);
    await assert.rejects(store.deleteMailbox(acc, 'Old'), { code: 'NONEXISTENT' });
    await store.deleteMailbox(acc, 'Old/Inbox');
    const dirs = await readdir(root);
    assert.ok(!dirs.some((d) => d.startsWith('.Old')), dirs.join());
  });

  it('replaces in one commit: the new message in, the old one out, or nothing when the old is gone', async () => {
    const store = t.server.services.store;
    await store.createMailbox(acc, 'Rep');
    const first = await store.append(acc, 'Rep', [msg('v1')]);
    const heard: MailboxChange[] = [];
    const off = t.server.services.bus.subscribe(acc.id, (c) => heard.push(c));
    const r = await store.replace(acc, first.mailboxId, first.uids[0], 'Rep', msg('v2'));
    assert.deepEqual((await store.listMessages(first.mailboxId)).map((m) => m.uid), [r.uids[0]]);
    assert.deepEqual(heard.map((c) => c.kind), ['exists', 'expunge']);
    const before = (await readdir(path.join(root, '.Rep', 'cur'))).length;
    await assert.rejects(store.replace(acc, first.mailboxId, first.uids[0], 'Rep', msg('v3')), { code: 'NONEXISTENT' });
    off();
    assert.equal((await store.listMessages(first.mailboxId)).length, 1, 'nothing appended');
    assert.equal((await readdir(path.join(root, '.Rep', 'cur'))).length, before, 'no file left behind');
  });

  it('keeps METADATA entries through a rename and drops them with the mailbox', async () => {
    const store = t.server.services.store;
    const mb = await store.createMailbox(acc, 'Meta');
    await store.metadata.setMetadata({ accountId: acc.id, mailboxId: mb.id }, [{ name: '/private/comment', value: Buffer.from('x') }]);
    await store.renameMailbox(acc, 'Meta', 'Meta2');
    const target = { accountId: acc.id, mailboxId: mb.id };
    assert.equal((await store.metadata.getMetadata(target, ['/private/comment'], 0)).length, 1);
    await store.deleteMailbox(acc, 'Meta2');
    assert.equal((await store.metadata.getMetadata(target, ['/private/comment'], 0)).length, 0);
  });

  it('keeps non-ASCII names in modified UTF-7 on disk and finds them again after a rebuild', async () => {
    const store = t.server.services.store;
    await store.createMailbox(acc, 'Grüße/日本');
    const dirs = await readdir(root);
    assert.ok(dirs.includes('.Gr&APwA3w-e.&ZeVnLA-'), dirs.join());
    await store.rebuild(acc);
    assert.ok(await store.getMailbox(acc.id, 'Grüße/日本'));
  });
});
