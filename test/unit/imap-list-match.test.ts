// LIST pattern matching (RFC 9051 §6.3.9): "*" and "%", INBOX without case, and patterns that
// would make a backtracking matcher take exponential time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patternMatcher } from '../../src/imap/commands/list-match.ts';

const names = ['INBOX', 'INBOX/Sub', 'Sent', 'Work', 'Work/2024', 'Work/2024/Q1', 'Café/Reçus', 'a.b', 'a+b'];
const list = (reference: string, pattern: string): string[] => names.filter(patternMatcher(reference, pattern));

test('"*" crosses the delimiter, "%" does not; the reference is a prefix', () => {
  assert.deepEqual(list('', '*'), names);
  assert.deepEqual(list('', '%'), ['INBOX', 'Sent', 'Work', 'a.b', 'a+b']);
  assert.deepEqual(list('', 'Work/%'), ['Work/2024']);
  assert.deepEqual(list('Work/', '*'), ['Work/2024', 'Work/2024/Q1']);
  assert.deepEqual(list('', '%/%'), ['INBOX/Sub', 'Work/2024', 'Café/Reçus']);
  assert.deepEqual(list('', '*Q%'), ['Work/2024/Q1']);
  assert.deepEqual(list('', 'Caf%/R*s'), ['Café/Reçus']);
  assert.deepEqual(list('', 'Work'), ['Work']);
  assert.deepEqual(list('', ''), []);
});

test('regular-expression characters are literal; INBOX matches without case', () => {
  assert.deepEqual(list('', 'a.b'), ['a.b']);
  assert.deepEqual(list('', 'a+b'), ['a+b']);
  assert.deepEqual(list('', 'inbox'), ['INBOX']);
  assert.deepEqual(list('', 'inBox/s%'), ['INBOX/Sub']);
  assert.deepEqual(list('', 'work'), [], 'other names keep their case');
});

test('runs of wildcards and many of them match in time linear in the name', () => {
  const hostile = '%*'.repeat(5000) + 'z';
  assert.deepEqual(list('', hostile), []);
  assert.deepEqual(list('', '*a*b'), ['a.b', 'a+b']);
  const long = 'x'.repeat(250);
  assert.equal(patternMatcher('', '*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*x*y')(long), false);
  assert.equal(patternMatcher('', '%%%%**%%%%x')(long), true);
});
