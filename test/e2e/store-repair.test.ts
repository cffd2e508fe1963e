// The index follows the Maildir: `store repair` adopts files other tools put there (with
// their flags), forgets files that are gone, and `--full` rebuilds with a new UIDVALIDITY.
import assert from 'node:assert/strict';
import { readdir, rm, utimes, writeFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { openServices } from '../../src/main.ts';
import { runCli } from '../harness/cli.ts';
import { startTestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

describe('store repair', () => {
  it('adopts, drops and rebuilds', async () => {
    const t = await startTestServer();
    const dir = t.dataDir;
    await t.addDomain('r.test');
    await t.addUser('u@r.test');
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    for (let i = 0; i < 3; i++) assert.equal((await client.send('a@remote.test', ['u@r.test'], `Subject: m${i}\r\n\r\nbody ${i}\r\n`)).final?.code, 250);
    client.close();
    await t.server.stop();

    const root = path.join(dir, 'mail', 'r.test', 'u');
    const delivered = (await readdir(path.join(root, 'new'))).sort();
    await unlink(path.join(root, 'new', delivered[0]));
    const foreign = path.join(root, 'cur', '1700000000.M1P1.otherhost,S=35:2,FS');
    await writeFile(foreign, 'Subject: from dovecot\r\n\r\nimported\r\n');
    const old = new Date(Date.now() - 3600_000);
    await utimes(foreign, old, old);
    await mkSent(root);

    const r = await runCli(['store', 'repair', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /u@r\.test: 2 adopted, 1 dropped/);

    const s = openServices(dir, silentLogger());
    try {
      const rows = s.db.prepare("SELECT m.uid, m.flags, m.subject, b.name FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id ORDER BY b.name, m.uid").all() as { uid: number; flags: number; subject: string; name: string }[];
      assert.deepEqual(rows.map((x) => `${x.name}:${x.uid}:${x.subject}:${x.flags}`), ['INBOX:2:m1:0', 'INBOX:3:m2:0', 'INBOX:4:from dovecot:5', 'Sent:1:sent copy:1']);
      const exp = s.db.prepare('SELECT uid FROM expunged').all() as { uid: number }[];
      assert.deepEqual(exp.map((e) => e.uid), [1], 'the vanished message is remembered as expunged');
      const before = (s.db.prepare("SELECT uidvalidity FROM mailboxes WHERE name = 'INBOX'").get() as { uidvalidity: number }).uidvalidity;
      await s.close();
      const full = await runCli(['store', 'repair', 'u@r.test', '--full', '--data', dir]);
      assert.match(full.stdout, /u@r\.test: index rebuilt, 4 messages/);
      const s2 = openServices(dir, silentLogger());
      const after = (s2.db.prepare("SELECT uidvalidity, uidnext FROM mailboxes WHERE name = 'INBOX'").get() as { uidvalidity: number; uidnext: number });
      assert.notEqual(after.uidvalidity, before);
      assert.equal(after.uidnext, 4);
      await s2.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function mkSent(root: string) {
  const f = path.join(root, '.Sent', 'cur', '1700000001.M2P2.otherhost:2,S');
  await writeFile(f, 'Subject: sent copy\r\n\r\nx\r\n');
  const old = new Date(Date.now() - 3600_000);
  await utimes(f, old, old);
}
