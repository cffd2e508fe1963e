// The THREAD algorithms (RFC 5256 §BASE.6.4.THREAD) on hand-made inputs, and the wire form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderedSubject } from '../../src/imap/thread/ordered-subject.ts';
import { referencesThreads } from '../../src/imap/thread/references.ts';
import { formatThreads, type ThreadNode } from '../../src/imap/thread/tree.ts';
import type { ThreadInfo } from '../../src/store/store.ts';

type Spec = [uid: number, id: string, refs: string, subject: string, reply: boolean, day: number];

const infos = (specs: Spec[]): ThreadInfo[] =>
  specs.map(([uid, messageId, refs, subject, reply, day]) => ({
    uid, messageId, references: refs === '' ? [] : refs.split(' '), subject, reply, sentDate: day * 86_400_000,
  }));

const refs = (specs: Spec[]): string => formatThreads(referencesThreads(infos(specs)), (u) => u);

test('the wire form nests only where a thread splits', () => {
  const n = (uid: number | null, ...children: ThreadNode[]): ThreadNode => ({
    msg: uid === null ? null : { uid, messageId: '', references: [], subject: '', reply: false, sentDate: 0 }, children,
  });
  // RFC 5256 §BASE.7.2.THREAD examples
  assert.equal(formatThreads([n(2), n(3, n(6, n(4, n(23)), n(44, n(7, n(96)))))], (u) => u), '(2)(3 6 (4 23)(44 7 96))');
  assert.equal(formatThreads([n(null, n(3), n(5))], (u) => u), '((3)(5))');
  assert.equal(formatThreads([], (u) => u), '');
  // a 20,000-deep chain neither recurses nor nests
  let deep = n(20_000);
  for (let i = 19_999; i >= 1; i--) deep = n(i, deep);
  const flat = formatThreads([deep], (u) => u);
  assert.ok(flat.startsWith('(1 2 3 ') && flat.endsWith(' 19999 20000)') && flat.indexOf('(', 1) === -1);
});

test('REFERENCES on a reply chain 20,000 deep: no recursion to overflow', () => {
  const specs: Spec[] = [];
  for (let i = 1; i <= 20_000; i++) specs.push([i, `m${i}`, i === 1 ? '' : `m${i - 1}`, 'chain', i > 1, i]);
  const out = refs(specs);
  assert.ok(out.startsWith('(1 2 3 ') && out.endsWith(' 20000)'));
});

test('REFERENCES: parents from References, a dummy for a missing one, and date order', () => {
  assert.equal(refs([
    [1, 'a', '', 'A', false, 1],
    [2, 'c', 'a b', 'A', true, 3], // b is missing: a dummy between a and c
    [3, 'd', 'a', 'A', true, 2],
  ]), '(1 (3)(2))'); // the dummy b under a had one child: it is pruned, c takes its place
});

test('REFERENCES: a truncated References does not move an existing link; the last reference wins', () => {
  assert.equal(refs([
    [1, 'a', '', 's', false, 1],
    [2, 'b', 'a', 's', true, 2],
    [3, 'c', 'b', 's', true, 3], // only the parent, not the grandparent
    [4, 'd', 'x b', 's', true, 4], // says b's parent is x: b keeps a
  ]), '(1 2 (3)(4))');
});

test('REFERENCES: loops are not created, duplicates and missing IDs get their own', () => {
  assert.equal(refs([
    [1, 'a', 'b', 'p', false, 1],
    [2, 'b', 'a', 'q', false, 2], // would make a loop: b stays a root
    [3, 'a', '', 'r', false, 3], // duplicate of 1's ID: a message of its own
    [4, '', 'b', 'q', true, 4],
    [5, 'e', 'e', 's', false, 5], // refers to itself
  ]), '(2 (1)(4))(3)(5)');
});

test('REFERENCES step 5: threads with one base subject merge, replies under the original', () => {
  assert.equal(refs([
    [1, 'a', '', 'hello', true, 2], // "Re: hello" without references
    [2, 'b', '', 'hello', false, 1], // the original
    [3, 'c', '', 'other', false, 3],
    [4, 'd', '', 'other', false, 4], // neither replies to the other: a dummy holds both
    [5, 'e', 'gone', 'x', false, 5],
    [6, 'f', 'gone', 'x', false, 6], // a dummy for gone, with two children
    [7, 'g', '', 'x', true, 7], // joins the dummy
    [8, 'h', '', '', false, 0], // empty subjects never merge
    [9, 'i', '', '', false, 9],
  ]), '(8)(2 1)((3)(4))((5)(6)(7))(9)');
});

test('ORDEREDSUBJECT: by subject, then date; threads by their first message', () => {
  const roots = orderedSubject(infos([
    [1, '', '', 'B', false, 5],
    [2, '', '', 'A', false, 3],
    [3, '', '', 'B', false, 1],
    [4, '', '', 'A', false, 2],
    [5, '', '', 'A', false, 2],
    [6, '', '', 'C', false, 4],
  ]));
  assert.equal(formatThreads(roots, (u) => u), '(3 1)(4 (5)(2))(6)');
});
