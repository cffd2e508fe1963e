// Durability: kill -9 the server while 50 clients send 1,000 messages; after a restart every
// message that got a 250 is in a Maildir and in the index.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { seedDataDir, spawnServer } from '../harness/process.ts';
import { startTestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

describe('crash safety', () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps every acknowledged message across kill -9', { timeout: 120_000 }, async () => {
    dir = await seedDataDir('mailhaven-crash-', 'box@crash.test');

    const proc = await spawnServer(dir);
    const acked = new Set<number>();
    const total = 1000;
    let next = 0;
    let killed = false;
    const worker = async () => {
      let client: RawSmtp | null = null;
      try {
        ({ client } = await RawSmtp.connect(proc.ports.smtp));
        await client.cmd('EHLO load.test');
        while (next < total && !killed) {
          const n = next++;
          const body = `Message-ID: <crash-${n}@load.test>\r\nSubject: crash-${n}\r\n\r\n${'x'.repeat(2000)}\r\n`;
          const r = await client.send('load@remote.test', ['box@crash.test'], body);
          if (r.final?.code === 250) acked.add(n);
          if (acked.size >= 300 && !killed) {
            killed = true;
            proc.child.kill('SIGKILL');
          }
        }
      } catch {
        // the server died under us: expected
      } finally {
        client?.close();
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    if (!killed) proc.child.kill('SIGKILL');
    await new Promise((r) => (proc.child.exitCode !== null || proc.child.signalCode !== null ? r(null) : proc.child.once('exit', r)));
    assert.ok(acked.size >= 300, `only ${acked.size} acknowledged`);

    const t = await startTestServer({}, dir);
    try {
      const files = await t.maildir('box@crash.test');
      const inFiles = new Set(files.map((f) => Number(/Subject: crash-(\d+)/.exec(f.content)?.[1])));
      const rows = t.server.services.db.prepare("SELECT subject FROM messages WHERE subject LIKE 'crash-%'").all() as { subject: string }[];
      const inIndex = new Set(rows.map((r) => Number(r.subject.slice(6))));
      const missingFile = [...acked].filter((n) => !inFiles.has(n));
      const missingRow = [...acked].filter((n) => !inIndex.has(n));
      assert.deepEqual(missingFile, [], 'acknowledged but not in the Maildir');
      assert.deepEqual(missingRow, [], 'acknowledged but not in the index');
      assert.equal(rows.length, files.length, 'every file is indexed exactly once');
      const uids = t.server.services.db.prepare('SELECT count(DISTINCT uid) AS n, count(*) AS c FROM messages').get() as { n: number; c: number };
      assert.equal(uids.n, uids.c, 'UIDs are unique');
    } finally {
      await t.stop();
    }
  });
});
