// The file writer thread: writes land whole and in place, errors come back with their code,
// many writes in one turn are all answered, and a large write is made in this thread.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileWriter } from '../../src/store/sqlite-maildir/file-writer.ts';

async function folder(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'filewriter-'));
  mkdirSync(path.join(dir, 'tmp'));
  mkdirSync(path.join(dir, 'new'));
  return dir;
}

describe('FileWriter', () => {
  it('places files whole, renamed out of tmp/, for many writes in one turn', async () => {
    const dir = await folder();
    const w = new FileWriter();
    try {
      const names = Array.from({ length: 40 }, (_, i) => `m${i}`);
      await Promise.all(names.map((n, i) => w.place(path.join(dir, 'tmp', n), path.join(dir, 'new', n), [Buffer.from(`X-N: ${i}\r\n`), Buffer.from('body\r\n')])));
      for (const [i, n] of names.entries()) {
        assert.equal(readFileSync(path.join(dir, 'new', n), 'utf8'), `X-N: ${i}\r\nbody\r\n`);
        assert.equal(existsSync(path.join(dir, 'tmp', n)), false);
      }
    } finally {
      await w.close();
      await rm(dir, { recursive: true });
    }
  });

  it('fails a write with the error and code the thread met, and keeps working', async () => {
    const dir = await folder();
    const w = new FileWriter();
    try {
      await assert.rejects(w.place(path.join(dir, 'missing', 'a'), path.join(dir, 'new', 'a'), [Buffer.from('x')]), { code: 'ENOENT' });
      await w.place(path.join(dir, 'tmp', 'b'), path.join(dir, 'new', 'b'), [Buffer.from('y')]);
      assert.equal(readFileSync(path.join(dir, 'new', 'b'), 'utf8'), 'y');
    } finally {
      await w.close();
      await rm(dir, { recursive: true });
    }
  });

  it('makes a lone write in this thread and concurrent ones in the writer', async () => {
    const dir = await folder();
    const w = new FileWriter();
    try {
      await w.place(path.join(dir, 'tmp', 'lone'), path.join(dir, 'new', 'lone'), [Buffer.from('x')]);
      assert.equal((w as unknown as { worker: unknown }).worker, null, 'no thread for a lone write');
      await Promise.all([1, 2, 3].map((i) => w.place(path.join(dir, 'tmp', `c${i}`), path.join(dir, 'new', `c${i}`), [Buffer.from('y')])));
      assert.notEqual((w as unknown as { worker: unknown }).worker, null, 'the thread took the concurrent ones');
      for (const i of [1, 2, 3]) assert.equal(readFileSync(path.join(dir, 'new', `c${i}`), 'utf8'), 'y');
    } finally {
      await w.close();
      await rm(dir, { recursive: true });
    }
  });

  it('writes a large message in this thread, not copied to the writer', async () => {
    const dir = await folder();
    const w = new FileWriter();
    try {
      const big = Buffer.alloc(1024 * 1024, 0x61);
      await w.place(path.join(dir, 'tmp', 'big'), path.join(dir, 'new', 'big'), [big]);
      assert.equal(readFileSync(path.join(dir, 'new', 'big')).length, big.length);
      assert.equal((w as unknown as { worker: unknown }).worker, null, 'no thread started for it');
    } finally {
      await w.close();
      await rm(dir, { recursive: true });
    }
  });
});
