import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsciiWriter, asciiBytes } from '../../src/imap/ascii-writer.ts';

test('AsciiWriter writes decimal numbers of every width, up to MODSEQ size', () => {
  const numbers = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 4294967295, 4294967296, 123456789012, 2 ** 53 - 1];
  const w = new AsciiWriter(8); // small, so the buffer grows on the way
  for (const n of numbers) w.uint(n).bytes(asciiBytes(' '));
  assert.equal(w.take().toString('latin1'), numbers.map((n) => `${n} `).join(''));
});

test('AsciiWriter.take hands over what was written and starts afresh', () => {
  const w = new AsciiWriter(4);
  w.text('* 1 FETCH (').uint(42).text(')');
  assert.equal(w.take().toString('latin1'), '* 1 FETCH (42)');
  assert.equal(w.length, 0);
  w.uint(7);
  assert.equal(w.take().toString('latin1'), '7');
});
