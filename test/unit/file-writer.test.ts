// The file writer thread: writes land whole and in place, errors come back with their code,
// concurrent writes go to the thread while a lone or a large one is made in this thread.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileWriter } from '../../src/store/sqlite-maildir/file-writer.ts';

/** A folder with tmp/ and new/, and a writer, both gone after `fn`. */
async function withFolder(fn: (dir: string, w: FileWriter) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'filewriter-'));
  mkdirSync(path.join(dir, 'tmp'));
  mkdirSync(path.join(dir, 'new'));
  const w = new FileWriter();
  try {
    await fn(dir, w);
  } finally {
    await w.close();
    await rm(dir, { recursive: true });
  }
}

const place = (w: FileWriter, dir: string, name: string, ...chunks: Buffer[]) => w.place(path.join(dir, 'tmp', name), path.join(dir, 'new', name), chunks);
const threadStarted = (w: FileWriter): boolean => (w as unknown as { thread: { worker: unknown } }).thread.worker !== null;

describe('FileWriter', () => {
  it('places files whole, renamed out of tmp/, for many writes in one turn', () =>
    withFolder(async (dir, w) => {
      const names = Array.from({ length: 40 }, (_, i) => `m${i}`);
      await Promise.all(names.map((n, i) => place(w, dir, n, Buffer.from(`X-N: ${i}\r\n`), Buffer.from('body\r\n'))));
      for (const [i, n] of names.entries()) {
        assert.equal(readFileSync(path.join(dir, 'new', n), 'utf8'), `X-N: ${i}\r\nbody\r\n`);
        assert.equal(existsSync(path.join(dir, 'tmp', n)), false);
      }
      assert.ok(threadStarted(w), 'the concurrent writes went to the thread');
    }));

  it('fails a write with the error and code met, in the thread too, and keeps working', () =>
    withFolder(async (dir, w) => {
      const missing = (n: string) => w.place(path.join(dir, 'missing', n), path.join(dir, 'new', n), [Buffer.from('x')]);
      await assert.rejects(missing('a'), { code: 'ENOENT' });
      const [lone, inThread] = await Promise.allSettled([place(w, dir, 'b', Buffer.from('y')), missing('c')]);
      assert.equal(lone.status, 'fulfilled');
      assert.equal(inThread.status === 'rejected' && (inThread.reason as NodeJS.ErrnoException).code, 'ENOENT');
      assert.equal(readFileSync(path.join(dir, 'new', 'b'), 'utf8'), 'y');
    }));

  it('makes a lone write in this thread', () =>
    withFolder(async (dir, w) => {
      await place(w, dir, 'lone', Buffer.from('x'));
      assert.equal(threadStarted(w), false);
      assert.equal(readFileSync(path.join(dir, 'new', 'lone'), 'utf8'), 'x');
    }));

  it('writes a large message in this thread, not copied to the writer, even among others', () =>
    withFolder(async (dir, w) => {
      const big = Buffer.alloc(1024 * 1024, 0x61);
      await Promise.all([place(w, dir, 'big', big), place(w, dir, 'big2', big)]);
      assert.equal(readFileSync(path.join(dir, 'new', 'big')).length, big.length);
      assert.equal(threadStarted(w), false, 'no thread started for them');
    }));
});
