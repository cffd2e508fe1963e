// mutt, driven in batch mode through script(1), reads INBOX over IMAPS (implicit TLS on the
// imaps port, our self-signed certificate trusted through certificate_file), pipes the first
// message out, flags it and syncs: the flag must land in the index.
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

describe('IMAP with mutt', () => {
  let t: TestServer;
  let account: { id: number; local: string; domain: string };
  before(async () => {
    t = await startTestServer();
    await t.addDomain('mutt.test');
    const id = await t.addUser('ann@mutt.test', { password: 'mutt secret' });
    account = { id, local: 'ann', domain: 'mutt.test' };
    const content = Buffer.from('From: Bob <bob@remote.test>\r\nTo: ann@mutt.test\r\nSubject: for mutt over imap\r\nMessage-ID: <m1@remote.test>\r\n\r\nHello Ann,\r\nread me with mutt.\r\n');
    await t.server.services.store.append(account, 'INBOX', [{ content, parsed: parseMessage(content), internalDate: new Date(), flags: [] }]);
  });
  after(() => t.stop());

  it('reads, pipes and flags a message over IMAPS', needs('mutt', 'script'), async () => {
    const dir = t.dataDir;
    const out = path.join(dir, 'mutt-imap-out.txt');
    const rc = path.join(dir, 'muttrc-imap');
    // mutt trusts a certificate it finds in certificate_file without asking.
    const certs = path.join(dir, 'mutt-certs.pem');
    await copyFile(path.join(dir, 'tls', `${t.config.hostname}.crt`), certs);
    const url = `imaps://ann%40mutt.test@127.0.0.1:${t.imapsPort}/`;
    await writeFile(
      rc,
      [
        `set imap_user="ann@mutt.test"`,
        `set imap_pass="mutt secret"`,
        `set certificate_file="${certs}"`,
        'set ssl_verify_host=no',
        'set ssl_force_tls=yes',
        `set folder="${url}"`,
        `set spoolfile="${url}INBOX"`,
        'set header_cache=""',
        'set message_cachedir=""',
        'set wait_key=no',
        'set pipe_decode=yes',
        'set quit=yes',
        'set move=no',
        'set mark_old=no',
        'set imap_check_subscribed=no',
        '',
      ].join('\n'),
    );
    // The pushed keys: pipe the first message to a file, flag it, sync, quit.
    const keys = `<pipe-message>cat > ${out}<enter><flag-message><sync-mailbox><exit>`;
    const cmd = `TERM=vt100 mutt -n -F ${rc} -f ${url}INBOX -e 'push "${keys}"'`;
    const r = await run('script', ['-qec', cmd, '/dev/null'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const text = await readFile(out, 'utf8');
    assert.match(text, /Subject: for mutt over imap/);
    assert.match(text, /read me with mutt\./);
    const store = t.server.services.store;
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    const [meta] = await store.listMessages(inbox.id);
    assert.ok(meta.flags.includes('\\Flagged'), `flags after mutt: ${meta.flags.join(' ')}`);
  });
});
