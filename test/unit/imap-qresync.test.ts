// The range arithmetic behind VANISHED (EARLIER) and the MODSEQ clamp (RFC 7162 §3.2.5, §3.2.6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intersectRanges, toModSeq } from '../../src/imap/qresync.ts';

test('ranges intersect pairwise, sorted, touching ends included', () => {
  assert.deepEqual(intersectRanges([[1, 3], [5, 9], [12, 12]], [[2, 6], [9, 20]]), [[2, 3], [5, 6], [9, 9], [12, 12]]);
  assert.deepEqual(intersectRanges([[1, 3]], [[4, 8]]), []);
  assert.deepEqual(intersectRanges([], [[1, 5]]), []);
});

test('a client mod-sequence beyond 2^53 reads as "nothing changed since"', () => {
  assert.equal(toModSeq(42n), 42);
  assert.equal(toModSeq(9223372036854775807n), Number.MAX_SAFE_INTEGER);
});
