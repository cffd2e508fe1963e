// Inbound SMTP in worker threads ([smtp] threads): the same behaviour as in the main thread —
// every message stored and indexed once, refusals that leave no file behind, the log lines of
// the sessions in the process log, one connection limit for all threads, and a port that
// another server cannot share.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { captureLog, type Captured } from '../harness/log-capture.ts';
import { waitFor } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import { RawLines } from '../harness/raw-lines.ts';

for (const threads of [2, 0]) {
  describe(`inbound SMTP with threads = ${threads}`, () => {
    let t: TestServer;
    let cap: Captured;
    before(async () => {
      cap = captureLog();
      t = await startTestServer({ smtp: { threads }, limits: { max_connections: 12 } }, undefined, { log: cap.log });
      await t.addDomain('d.test');
      await t.addUser('ann@d.test');
      await t.addUser('tiny@d.test', { quota: 500 });
    });
    after(() => t.stop());

    const send = async (to: string, body: string) => {
      const { client } = await RawSmtp.connect(t.smtpPort);
      await client.cmd('EHLO c.test');
      try {
        return await client.send('s@remote.test', [to], body);
      } finally {
        client.close();
      }
    };

    it('stores every message of parallel sessions once, with ascending UIDs', async () => {
      const n = 40;
      // Ten sessions at a time, under the connection limit of 12.
      for (let b = 0; b < n; b += 10) {
        const results = await Promise.all(Array.from({ length: 10 }, (_, k) => send('ann@d.test', `Subject: m${b + k}\r\n\r\nbody ${b + k}\r\n`)));
        for (const r of results) assert.equal(r.final?.code, 250, r.final?.text);
      }
      const files = await t.maildir('ann@d.test');
      assert.equal(files.length, n);
      for (let i = 0; i < n; i++) assert.equal(files.filter((f) => f.content.includes(`Subject: m${i}\r\n`)).length, 1, `m${i} once`);
      const account = (await t.server.services.directory.getAccount('ann@d.test'))!;
      const inbox = (await t.server.services.store.getMailbox(account.id, 'INBOX'))!;
      const uids = (await t.server.services.store.listMessages(inbox.id)).map((m) => m.uid);
      assert.deepEqual(uids, Array.from({ length: n }, (_, i) => i + 1));
      const root = path.join(t.dataDir, 'mail', 'd.test', 'ann');
      assert.deepEqual(await readdir(path.join(root, 'tmp')), [], 'nothing left in tmp/');
    });

    it('a message refused for quota after DATA leaves no file', async () => {
      const r = await send('tiny@d.test', 'Subject: big\r\n\r\n' + 'x'.repeat(2000) + '\r\n');
      assert.equal(r.final?.code, 552);
      const root = path.join(t.dataDir, 'mail', 'd.test', 'tiny');
      assert.deepEqual(await readdir(path.join(root, 'new')), []);
      assert.deepEqual(await readdir(path.join(root, 'tmp')), []);
      assert.equal((await send('tiny@d.test', 'Subject: small\r\n\r\nok\r\n')).final?.code, 250);
    });

    it('the sessions log through the process logger, tied by session id', async () => {
      const before = cap.events('message.accepted').length;
      assert.equal((await send('ann@d.test', 'Subject: logged\r\nMessage-ID: <logged@c.test>\r\n\r\nx\r\n')).final?.code, 250);
      // Lines from a thread reach the logger a moment later: wait for them rather than sleep.
      const accepted = await waitFor('message.accepted logged', () => cap.events('message.accepted').slice(before).find((l) => l.messageId === 'logged@c.test'));
      assert.equal(accepted.svc, 'smtp');
      const session = await waitFor('the session line with the same sid', () => cap.events('smtp.session').find((l) => l.sid === accepted.sid));
      assert.equal(session.accepted, 1);
    });

    it('max_connections counts the connections of all threads together', async () => {
      const held = await Promise.all(Array.from({ length: 12 }, () => RawLines.connect(t.smtpPort)));
      await Promise.all(held.map((c) => c.until(/\r\n/, 3000)));
      const extra = await RawLines.connect(t.smtpPort);
      assert.match(await extra.until(/\r\n/, 3000), /^421 /);
      for (const c of held) c.close();
    });
  });
}

describe('inbound SMTP threads and the port', () => {
  it('a second server cannot take a port the threads listen on', async () => {
    const a = await startTestServer({ smtp: { threads: 2 } });
    try {
      await assert.rejects(startTestServer({ smtp: { threads: 2, port: a.smtpPort } }), /already in use/);
    } finally {
      await a.stop();
    }
  });
});
