// The directory-fsync coalescer: concurrent callers share syncs, and a caller arriving while a
// sync runs waits for the next one (the running one may have started before its rename).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DirSyncer } from '../../src/store/sqlite-maildir/durable-fs.ts';

describe('DirSyncer', () => {
  it('coalesces concurrent syncs of one directory and never returns a stale one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dirsync-'));
    const s = new DirSyncer();
    const first = s.sync(dir);
    const waiting = Array.from({ length: 20 }, () => s.sync(dir));
    assert.notEqual(waiting[0], first, 'a caller during a running sync waits for the next');
    assert.ok(waiting.every((p) => p === waiting[0]), 'all of them share that next sync');
    await Promise.all([first, ...waiting]);
    await s.sync(dir);
    await rm(dir, { recursive: true });
  });

  it('rejects for a directory that does not exist', async () => {
    await assert.rejects(new DirSyncer().sync('/nonexistent/dir/x'));
  });
});

describe('isTorn', () => {
  it('spots files whose size differs from ,S= or that start with NUL', async () => {
    const { isTorn } = await import('../../src/store/sqlite-maildir/reconcile.ts');
    assert.equal(isTorn('new/1.M2P3Q4.h,S=5', Buffer.from('A: b\n')), false);
    assert.equal(isTorn('new/1.M2P3Q4.h,S=9', Buffer.from('A: b\n')), true);
    assert.equal(isTorn('new/1.M2P3Q4.h,S=3', Buffer.from([0, 0, 0])), true);
    assert.equal(isTorn('cur/1.other:2,S', Buffer.from('Subject: x\r\n')), false, 'no S= (other tools): trust it');
  });
});
