// The per-message keys behind SORT and THREAD: RFC 5256 §2.1 base subjects, the RFC 5051
// i;unicode-casemap collation, normalised message IDs, and the RFC 8970 preview text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseSubject } from '../../src/mime/base-subject.ts';
import { casemap, compareCodePoints } from '../../src/mime/casemap.ts';
import { messageIds, threadReferences } from '../../src/mime/msg-id.ts';
import { makePreview } from '../../src/mime/preview.ts';

test('base subject: leaders, blobs, trailers and [fwd: ] (RFC 5256 §2.1)', () => {
  const cases: [string, string, boolean][] = [
    ['Re: Fwd: [list] x', 'x', true],
    ['x (fwd)', 'x', true],
    ['x (FWD) (fwd)  ', 'x', true],
    ['[fwd: x]', 'x', true],
    ['[FWD: [fwd: a]]', 'a', true],
    ['Re: [fwd: Hello]', 'Hello', true],
    ['[list] x', 'x', false],
    ['[list] [other]', '[other]', false],
    ['[only]', '[only]', false],
    ['[list] Re: y', 'y', true],
    ['Re [x]: y', 'y', true],
    ['Re : y', 'y', true],
    ['Fw: a', 'a', true],
    ['FWD:a', 'a', true],
    ['Ref: a', 'Ref: a', false],
    ['Re:\tRe:\r\n  hello   world', 'hello world', true],
    ['Re:', '', true],
    ['', '', false],
    ['  plain  ', 'plain', false],
    ['Re: [fwd: x] (fwd)', 'x', true],
  ];
  for (const [input, base, reply] of cases) assert.deepEqual(baseSubject(input), { base, reply }, input);
});

test('i;unicode-casemap: titlecase then decomposed, compared in code point order (RFC 5051)', () => {
  assert.equal(casemap('hello'), 'HELLO');
  assert.equal(casemap('été'), 'E\u0301TE\u0301');
  assert.equal(casemap('ǆemal'), 'Dz\u030cEMAL'); // titlecase ǅ, then its compatibility decomposition
  assert.equal(casemap('ß'), 'ß'); // no single-character titlecase: unchanged
  assert.equal(casemap('Straße'), casemap('STRAßE'));
  assert.ok(compareCodePoints('\uffff', '\u{10000}') < 0, 'U+FFFF before U+10000, unlike UTF-16 order');
  assert.ok(compareCodePoints('', 'a') < 0);
  assert.ok(compareCodePoints('ALICE', 'ALICE@X') < 0);
});

test('message IDs are normalised and References win over In-Reply-To (RFC 5256 THREAD)', () => {
  assert.deepEqual(messageIds('<"01KF8JCEOCBS0045PS"@xxx.yyy.com>'), messageIds('<01KF8JCEOCBS0045PS@xxx.yyy.com>'));
  assert.deepEqual(messageIds('<a@b> (comment <c@d>) <e@f> <nohost> <@x>'), ['a@b', 'e@f']);
  assert.deepEqual(threadReferences('', '<x@y> <z@w>'), ['x@y']);
  assert.deepEqual(threadReferences('<bad>', 'garbage <x@y>'), ['x@y']);
  assert.deepEqual(threadReferences('<a@b> <c@d>', '<x@y>'), ['a@b', 'c@d']);
  assert.deepEqual(threadReferences(undefined, null), []);
});

test('preview: plain text, quoted lines left out, 256 characters at most (RFC 8970)', () => {
  assert.equal(makePreview('> old\n> stuff\nNew   text\n\nhere'), 'New text here');
  assert.equal(makePreview('> only quoted'), '> only quoted');
  assert.equal(makePreview(''), '');
  const long = 'é'.repeat(300) + '\u{1F600}';
  assert.equal([...makePreview(long)].length, 256);
  assert.equal([...makePreview('a'.repeat(255) + '\u{1F600}x')].at(-1), '\u{1F600}', 'never splits a surrogate pair');
});
