// SEARCH keys to store Criteria (RFC 9051 §6.4.4): every key, and the session's part (sequence
// numbers, UID sets, \Recent) through the context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCriteria, toRanges } from '../../src/imap/search-translate.ts';
import type { TranslateContext } from '../../src/imap/search-translate.ts';
import type { SearchKey } from '../../src/imap/ast.ts';
import type { SequenceSet } from '../../src/imap/seqset.ts';
import { STAR } from '../../src/imap/seqset.ts';

// Messages 1..5 have UIDs 10, 20, 30, 40, 50.
const UIDS = [10, 20, 30, 40, 50];
const ctx: TranslateContext = {
  uidsOfSeqSet: (set) => toRanges(set.ranges.flatMap(([lo, hi]) => UIDS.filter((_, i) => i + 1 >= lo && i + 1 <= (hi === STAR ? UIDS.length : hi)))),
  uidRanges: (set) => set.ranges.map(([lo, hi]) => [lo, hi === STAR ? 50 : hi]),
  recent: new Set([40, 50, 41]),
};
const set = (...ranges: [number, number][]): SequenceSet => ({ ranges, saved: false });
const one = (k: SearchKey, c: TranslateContext = ctx) => toCriteria([k], c);

test('flags, NEW/OLD/RECENT, keywords', () => {
  assert.deepEqual(one({ key: 'ALL' }), { op: 'everything' });
  assert.deepEqual(one({ key: 'SAVEDATESUPPORTED' }), { op: 'everything' });
  for (const [k, f] of [['ANSWERED', '\\Answered'], ['DELETED', '\\Deleted'], ['DRAFT', '\\Draft'], ['FLAGGED', '\\Flagged'], ['SEEN', '\\Seen']] as const) {
    assert.deepEqual(one({ key: k }), { op: 'flag', flag: f, set: true });
    assert.deepEqual(one({ key: `UN${k}` }), { op: 'flag', flag: f, set: false });
  }
  assert.deepEqual(one({ key: 'RECENT' }), { op: 'uid', ranges: [[40, 41], [50, 50]] });
  assert.deepEqual(one({ key: 'NEW' }), { op: 'all', of: [{ op: 'uid', ranges: [[40, 41], [50, 50]] }, { op: 'flag', flag: '\\Seen', set: false }] });
  assert.deepEqual(one({ key: 'OLD' }), { op: 'not', of: { op: 'uid', ranges: [[40, 41], [50, 50]] } });
  const noRecent = { uidsOfSeqSet: ctx.uidsOfSeqSet, uidRanges: ctx.uidRanges };
  assert.deepEqual(one({ key: 'RECENT' }, noRecent), { op: 'uid', ranges: [] });
  assert.deepEqual(one({ key: 'KEYWORD', flag: '$Forwarded' }), { op: 'flag', flag: '$Forwarded', set: true });
  assert.deepEqual(one({ key: 'UNKEYWORD', flag: 'Work' }), { op: 'flag', flag: 'Work', set: false });
});

test('strings, HEADER, dates, sizes, MODSEQ, object ids', () => {
  for (const [k, f] of [['BCC', 'bcc'], ['CC', 'cc'], ['FROM', 'from'], ['SUBJECT', 'subject'], ['TO', 'to']] as const) {
    assert.deepEqual(one({ key: k, value: 'x y' }), { op: 'field', field: f, value: 'x y' });
  }
  assert.deepEqual(one({ key: 'BODY', value: 'b' }), { op: 'body', value: 'b' });
  assert.deepEqual(one({ key: 'TEXT', value: 't' }), { op: 'text', value: 't' });
  assert.deepEqual(one({ key: 'HEADER', field: 'X-Mailer', value: '' }), { op: 'header', field: 'X-Mailer', value: '' });
  const date = { year: 2025, month: 2, day: 3 };
  const dates = [
    ['BEFORE', 'internal', 'before'], ['ON', 'internal', 'on'], ['SINCE', 'internal', 'since'],
    ['SENTBEFORE', 'sent', 'before'], ['SENTON', 'sent', 'on'], ['SENTSINCE', 'sent', 'since'],
    ['SAVEDBEFORE', 'saved', 'before'], ['SAVEDON', 'saved', 'on'], ['SAVEDSINCE', 'saved', 'since'],
  ] as const;
  for (const [k, which, cmp] of dates) assert.deepEqual(one({ key: k, date }), { op: 'date', which, cmp, day: '2025-02-03' });
  assert.deepEqual(one({ key: 'LARGER', size: 100 }), { op: 'size', cmp: 'larger', value: 100 });
  assert.deepEqual(one({ key: 'SMALLER', size: 5 }), { op: 'size', cmp: 'smaller', value: 5 });
  assert.deepEqual(one({ key: 'MODSEQ', modseq: 620162338n }), { op: 'modseq', atLeast: 620162338 });
  assert.deepEqual(one({ key: 'MODSEQ', modseq: 7n, entry: { name: '/flags/\\draft', type: 'all' } }), { op: 'modseq', atLeast: 7 });
  assert.deepEqual(one({ key: 'EMAILID', id: 'M123' }), { op: 'any', of: [] }); // not one of ours
  assert.deepEqual(one({ key: 'EMAILID', id: 'M0000002a' }), { op: 'emailid', id: 42 });
  assert.deepEqual(one({ key: 'THREADID', id: 'T1' }), { op: 'any', of: [] });
});

test('UID and sequence sets resolve through the session', () => {
  assert.deepEqual(one({ key: 'UID', set: set([15, STAR]) }), { op: 'uid', ranges: [[15, 50]] });
  assert.deepEqual(one({ key: 'SEQ', set: set([2, 3], [5, 5]) }), { op: 'uid', ranges: [[20, 20], [30, 30], [50, 50]] });
  assert.deepEqual(one({ key: 'SEQ', set: set([4, STAR]) }), { op: 'uid', ranges: [[40, 40], [50, 50]] });
});

test('NOT, OR, parenthesised AND, and the implicit AND of the top level', () => {
  const crit = toCriteria(
    [
      { key: 'NOT', operand: { key: 'SEEN' } },
      { key: 'OR', left: { key: 'FROM', value: 'a' }, right: { key: 'AND', operands: [{ key: 'TO', value: 'b' }, { key: 'LARGER', size: 1 }] } },
    ],
    ctx,
  );
  assert.deepEqual(crit, {
    op: 'all',
    of: [
      { op: 'not', of: { op: 'flag', flag: '\\Seen', set: true } },
      { op: 'any', of: [{ op: 'field', field: 'from', value: 'a' }, { op: 'all', of: [{ op: 'field', field: 'to', value: 'b' }, { op: 'size', cmp: 'larger', value: 1 }] }] },
    ],
  });
  assert.deepEqual(toCriteria([{ key: 'AND', operands: [{ key: 'ALL' }] }], ctx), { op: 'everything' });
  assert.deepEqual(toCriteria([], ctx), { op: 'all', of: [] });
  assert.deepEqual(toRanges([5, 1, 2, 3, 3, 9]), [[1, 3], [5, 5], [9, 9]]);
});
