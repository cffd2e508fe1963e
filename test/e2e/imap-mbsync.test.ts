// mbsync (isync), an independent two-way IMAP ↔ Maildir synchroniser, over implicit TLS:
// folders and messages both ways, flags both ways, then a sync that finds nothing to do.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMessage } from '../../src/mime/parse-message.ts';
import type { AccountRef } from '../../src/store/store.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

const msg = (subject: string, flags: string[] = []) => {
  const content = Buffer.from(`Subject: ${subject}\r\nFrom: x@remote.test\r\nMessage-ID: <${subject.replace(/ /g, '.')}@remote.test>\r\n\r\n${subject} body\r\n`);
  return { content, parsed: parseMessage(content), internalDate: new Date('2026-11-20T08:00:00Z'), flags };
};

async function listLocal(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const box of await readdir(root)) {
    for (const sub of ['cur', 'new']) {
      for (const f of await readdir(path.join(root, box, sub)).catch(() => [] as string[])) out.push(`${box}/${sub}/${f}`);
    }
  }
  return out.sort();
}

describe('IMAP with mbsync', () => {
  let t: TestServer;
  let acc: AccountRef;
  let dir: string;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('mb.test');
    acc = { id: await t.addUser('sync@mb.test'), local: 'sync', domain: 'mb.test' };
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-mbsync-'));
  });
  after(async () => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('syncs two ways, then finds nothing to do', needs('mbsync'), async () => {
    const store = t.server.services.store;
    await store.append(acc, 'INBOX', [msg('first', ['\\Seen'])]);
    await store.createMailbox(acc, 'Work');
    await store.append(acc, 'Work', [msg('work item')]);
    const local = path.join(dir, 'mail');
    await mkdir(local);
    const cert = (await readdir(path.join(t.dataDir, 'tls'))).find((f) => f.endsWith('.crt'))!;
    const rc = path.join(dir, 'mbsyncrc');
    await writeFile(
      rc,
      [
        'IMAPAccount test', 'Host 127.0.0.1', `Port ${t.imapsPort}`, 'User sync@mb.test', 'Pass secret', 'SSLType IMAPS',
        `CertificateFile ${path.join(t.dataDir, 'tls', cert)}`, '',
        'IMAPStore remote', 'Account test', '',
        'MaildirStore local', `Path ${local}/`, `Inbox ${local}/INBOX`, 'SubFolders Verbatim', '',
        'Channel ch', 'Far :remote:', 'Near :local:', 'Patterns *', 'Create Both', 'Expunge Both', 'SyncState *', '',
      ].join('\n'),
    );
    const sync = async (...extra: string[]): Promise<string> => {
      const r = await run('mbsync', [...extra, '-c', rc, '-a'], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return r.stdout + r.stderr;
    };

    // isync speaks COMPRESS=DEFLATE (RFC 4978) when it is offered: this run goes through it.
    const trace = await sync('-Dn');
    assert.match(trace, /COMPRESS DEFLATE[\s\S]*OK DEFLATE active/, 'mbsync negotiated compression');
    let files = await listLocal(local);
    const inboxFile = files.find((f) => f.startsWith('INBOX/cur/'));
    assert.ok(inboxFile && /:2,S$/.test(inboxFile), files.join('\n'));
    assert.ok(files.some((f) => f.startsWith('Work/')), files.join('\n'));
    const boxes = await readdir(local);
    assert.ok(['Sent', 'Drafts', 'Junk', 'Trash', 'Archive', 'Work'].every((b) => boxes.includes(b)), boxes.join());

    // Changes on both sides: a flag and a new message locally; a message and a folder on the server.
    await rename(path.join(local, inboxFile), path.join(local, inboxFile.replace(/:2,S$/, ':2,FS')));
    await writeFile(path.join(local, 'Work', 'new', `${Date.now()}.local1.host`), 'Subject: from local\r\nFrom: me@mb.test\r\n\r\nwritten offline\r\n');
    await store.append(acc, 'INBOX', [msg('second')]);
    await store.createMailbox(acc, 'Projects');
    await sync();

    const inbox = (await store.getMailbox(acc.id, 'INBOX'))!;
    const metas = await store.listMessages(inbox.id);
    assert.deepEqual(metas.map((m) => m.flags.sort()), [['\\Flagged', '\\Seen'], []]);
    const work = (await store.getMailbox(acc.id, 'Work'))!;
    assert.equal(work.messages, 2);
    files = await listLocal(local);
    assert.equal(files.filter((f) => f.startsWith('INBOX/')).length, 2, files.join('\n'));
    assert.ok((await readdir(local)).includes('Projects'));

    // A third run has nothing to do: neither side changes.
    const before = JSON.stringify([await store.listMailboxes(acc.id), files]);
    await sync();
    const after = JSON.stringify([await store.listMailboxes(acc.id), await listLocal(local)]);
    assert.equal(after, before);
  });
});
