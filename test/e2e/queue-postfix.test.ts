// Postfix from Debian as the receiving MTA (a private instance, bench/lib/postfix.ts): our
// queue delivers into its virtual mailbox, and its "User unknown" for another recipient comes
// back as a report for that recipient only. Skipped where Postfix is missing or not root.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeRunDir } from '../../bench/lib/files.ts';
import { Prerequisite, postfixEnv, startPostfix, type PostfixEnv } from '../../bench/lib/postfix.ts';
import type { MaildirServer } from '../../bench/lib/server.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { testMessage, waitFor } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

let env: PostfixEnv | null = null;
let why = '';
try {
  env = postfixEnv();
} catch (e) {
  if (!(e instanceof Prerequisite)) throw e;
  why = e.message;
}

describe('outbound queue to Postfix', { skip: env ? undefined : why }, () => {
  let dns: TestDns;
  let postfix: MaildirServer;
  let a: TestServer;
  const runDirs = { tmp: os.tmpdir(), keep: false };
  before(async () => {
    postfix = await startPostfix(env!, { domain: 'pf.test', user: 'box', address: 'box@pf.test' }, runDirs);
    dns = await startDnsServer({ 'pf.test': [{ type: 'MX', exchange: 'mx.pf.test', priority: 10 }], 'mx.pf.test': [{ type: 'A', address: '127.0.0.1' }] });
    a = await startTestServer({ hostname: 'mx.a.test', dns: { servers: [dns.server], timeout: 500 }, queue: { port: postfix.port, poll_interval: 0.1 } });
    await a.addDomain('a.test');
    await a.addUser('ann@a.test');
  });
  after(async () => {
    await a?.stop();
    await postfix?.stop();
    await dns?.close();
    if (postfix) removeRunDir(runDirs, postfix.dir);
  }, { timeout: 60_000 });

  it('delivers into the Postfix mailbox; a recipient Postfix does not know bounces alone', { timeout: 60_000 }, async () => {
    await a.server.queue.enqueue({
      from: 'ann@a.test',
      recipients: [{ address: 'box@pf.test' }, { address: 'ghost@pf.test' }],
      message: testMessage('ann@a.test', 'box@pf.test', 'to postfix'),
      origin: { kind: 'local' },
    });
    const file = await waitFor('the message in Postfix\'s Maildir', async () => (await readdir(postfix.maildirNew).catch(() => []))[0], 30_000);
    const content = await readFile(path.join(postfix.maildirNew, file), 'latin1');
    assert.match(content, /Subject: to postfix/);
    assert.match(content, /Return-Path: <ann@a\.test>/);
    assert.match(content, /Received: from mx\.a\.test/);
    const dsn = await waitFor('the bounce for ghost', async () => (await a.maildir('ann@a.test')).find((m) => m.content.includes('multipart/report')), 30_000);
    assert.match(dsn.content, /Final-Recipient: rfc822; ghost@pf\.test/);
    assert.match(dsn.content, /Status: 5\.1\.1/);
    assert.match(dsn.content, /Diagnostic-Code: smtp; 550 5\.1\.1 <ghost@pf\.test>: Recipient address rejected/);
    assert.doesNotMatch(dsn.content, /Final-Recipient: rfc822; box@/);
  });
});
