// DKIM keys from the administrator's side: made by `domain add` and at server start for
// domains that had none; `mailhaven dkim list|record|rotate|remove`.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DkimKeyStore } from '../../src/dkim/key-store.ts';
import { runCli } from '../harness/cli.ts';
import { startTestServer } from '../harness/server.ts';

describe('mailhaven dkim', () => {
  let dir: string;
  const cli = (...args: string[]) => runCli([...args, '--data', dir]);
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-dkim-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('domain add makes an RSA and an Ed25519 key; list and record show them', async () => {
    let r = await cli('domain', 'add', 'keys.test');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /DKIM keys/);
    r = await cli('dkim', 'list', 'keys.test');
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(rows.map((x) => [x[1], x[2]]).sort(), [['ed25519', 'active'], ['rsa', 'active']]);
    r = await cli('dkim', 'record', 'keys.test');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^mh\w+\._domainkey\.keys\.test\. IN TXT "v=DKIM1; k=(rsa|ed25519); p=/);
    // A 2048-bit RSA key is longer than one character-string: split, as zone files need.
    assert.ok(lines.some((l) => /" "/.test(l)));
  });

  it('rotate retires the old pair; remove takes retired keys only', async () => {
    const before = new DkimKeyStore(path.join(dir, 'dkim')).list('keys.test').map((k) => k.selector);
    let r = await cli('dkim', 'rotate', 'keys.test');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /new active key/);
    const keys = new DkimKeyStore(path.join(dir, 'dkim')).list('keys.test');
    assert.equal(keys.length, 4);
    assert.deepEqual(keys.filter((k) => k.state === 'retired').map((k) => k.selector).sort(), before.sort());
    const active = keys.find((k) => k.state === 'active');
    r = await cli('dkim', 'remove', 'keys.test', active!.selector);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /active; rotate first/);
    r = await cli('dkim', 'remove', 'keys.test', before[0]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(path.join(dir, 'dkim', 'keys.test', `${before[0]}.pem`)), 'the removed private key is deleted');
    assert.equal((await cli('dkim', 'record', 'keys.test')).stdout.trim().split('\n').length, 3);
    r = await cli('dkim', 'list', 'nothosted.test');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not a hosted domain/);
  });

  it('the server makes keys at start for domains that have none', async () => {
    let t = await startTestServer({}, dir);
    await t.addDomain('late.test');
    await t.stop();
    assert.equal(new DkimKeyStore(path.join(dir, 'dkim')).list('late.test').length, 0);
    t = await startTestServer({}, dir);
    await t.stop();
    assert.equal(new DkimKeyStore(path.join(dir, 'dkim')).active('late.test').length, 2);
  });
});
