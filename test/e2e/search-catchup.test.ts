// The full-text index is derived data: a server started without it (search.db lost, or a stop
// that left a backlog) compares it with the store, reads what is missing from the Maildir in
// the background, and a SEARCH meanwhile waits for those messages rather than missing them.
// A message whose text passes what the index keeps is still found by a word at its end.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startTestServer } from '../harness/server.ts';

const message = (subject: string, body: string): string => `From: sam@remote.test\r\nTo: kai@fts.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;

async function client(port: number): Promise<ImapFlow> {
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: 'kai@fts.test', pass: 'secret' }, logger: false, tls: { rejectUnauthorized: false } });
  await c.connect();
  return c;
}

describe('full-text index catch-up', () => {
  let dir = '';
  after(() => rm(dir, { recursive: true, force: true }));

  it('indexes again what a new search.db lacks, copies included, and searches wait for it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-fts-'));
    let t = await startTestServer({}, dir);
    let c: ImapFlow;
    try {
      await t.addDomain('fts.test');
      await t.addUser('kai@fts.test');
      c = await client(t.imapPort);
      for (const [s, b] of [['one', 'a papaya for lunch'], ['two', 'nothing here'], ['three', 'papaya again']]) await c.append('INBOX', message(s, b));
      await c.mailboxOpen('INBOX');
      await c.messageCopy('1', 'Archive', { uid: true });
      assert.deepEqual(await c.search({ body: 'papaya' }, { uid: true }), [1, 3]);
      await c.mailboxOpen('Archive');
      assert.deepEqual(await c.search({ body: 'papaya' }, { uid: true }), [1], 'a copy is indexed (from its file)');
      await c.logout();
    } finally {
      await t.stop();
    }

    for (const f of ['search.db', 'search.db-wal', 'search.db-shm']) await rm(path.join(dir, f), { force: true });
    t = await startTestServer({}, dir);
    try {
      c = await client(t.imapPort);
      await c.mailboxOpen('INBOX');
      assert.deepEqual(await c.search({ body: 'papaya' }, { uid: true }), [1, 3]);
      assert.deepEqual(await c.search({ subject: 'two' }, { uid: true }), [2]);
      await c.mailboxOpen('Archive');
      assert.deepEqual(await c.search({ text: 'papaya for lunch' }, { uid: true }), [1]);
      await c.logout();
    } finally {
      await t.stop();
    }
  });

  it('finds a word past the 1 MiB of text the index keeps of a message', async () => {
    const t = await startTestServer();
    try {
      await t.addDomain('fts.test');
      await t.addUser('kai@fts.test');
      const c = await client(t.imapPort);
      const body = 'a line of a long plain-text report, repeated\r\n'.repeat(25_000) + 'the final verdict: ZQXJKEPT\r\n';
      await c.append('INBOX', message('report', body));
      await c.append('INBOX', message('short', 'nothing to see'));
      await c.mailboxOpen('INBOX');
      assert.deepEqual(await c.search({ body: 'zqxjkept' }, { uid: true }), [1]);
      assert.deepEqual(await c.search({ text: 'final verdict' }, { uid: true }), [1]);
      assert.deepEqual(await c.search({ not: { body: 'zqxjkept' } } as never, { uid: true }), [2]);
      await c.logout();
    } finally {
      await t.stop();
    }
  });
});
