// Commands that must be refused with a tagged BAD (or NO [BADCHARSET]): the grammar is strict
// (RFC 9051 §9: SP is exactly one space, no extra arguments, numbers in range).
import { test } from 'node:test';
import { parseLine } from '../harness/imap-parse.ts';
import assert from 'node:assert/strict';
import type { ParseError } from '../../src/imap/parser.ts';

const parse = parseLine;

/** [command, tag in the reply, words the reason mentions] */
const BAD: [string, string, RegExp?][] = [
  ['', '*', /Empty/],
  ['+a NOOP', '*', /tag/],
  ['a(b NOOP', '*', /tag/],
  ['a1', 'a1', /Missing/],
  ['a1 ', 'a1'],
  ['a1  NOOP', 'a1'],
  ['a1 NOOP ', 'a1', /extra/],
  ['a1 NOOP x', 'a1', /extra/],
  ['a1 NOOP\tx', 'a1'],
  ['a1 FROB', 'a1', /Unknown command/],
  ['a1 UID NOOP', 'a1', /not a command/],
  ['a1 UID', 'a1'],
  ['a1 LOGIN user', 'a1'],
  ['a1 LOGIN user "unterminated', 'a1', /Unterminated/],
  ['a1 LOGIN "a\\qb" x', 'a1', /escape/],
  ['a1 LOGIN a(b c', 'a1'],
  ['a1 LOGIN {3}\r\na\0b c', 'a1', /NUL/],
  ['a1 AUTHENTICATE PLAIN abc', 'a1', /base64/],
  ['a1 AUTHENTICATE PLAIN ab=c', 'a1', /base64/],
  ['a1 AUTHENTICATE', 'a1'],
  ['a1 ENABLE', 'a1'],
  ['a1 ID ("a")', 'a1'],
  ['a1 ID ("a" "b" "c")', 'a1'],
  ['a1 ID (a b)', 'a1'],
  ['a1 SELECT', 'a1'],
  ['a1 SELECT INBOX ()', 'a1'],
  ['a1 SELECT INBOX (FOO)', 'a1', /SELECT parameter/],
  ['a1 SELECT INBOX (CONDSTORE CONDSTORE)', 'a1', /twice/],
  ['a1 SELECT INBOX (QRESYNC (1 0))', 'a1', /positive/],
  ['a1 SELECT INBOX (QRESYNC (0 5))', 'a1'],
  ['a1 SELECT INBOX (QRESYNC (1 5 1:* ))', 'a1'],
  ['a1 SELECT INBOX (QRESYNC (1 5 1:*))', 'a1', /not allowed/],
  ['a1 SELECT INBOX (QRESYNC (1 5 1:5 (1:2)))', 'a1'],
  ['a1 SELECT INBOX (QRESYNC (1 9223372036854775808))', 'a1', /range/],
  ['a1 CREATE &AGE-', 'a1', /modified UTF-7/],
  ['a1 CREATE &ZeVnLIqe', 'a1', /modified UTF-7/],
  ['a1 CREATE "&U,BTFw-&ZeVnLIqe-"', 'a1', /modified UTF-7/],
  ['a1 CREATE "Entwürfe"', 'a1', /8-bit/],
  ['a1 CREATE {3}\r\na\u0001b', 'a1', /modified UTF-7/],
  ['a1 CREATE &AAE-', 'a1', /Control/],
  ['a1 CREATE x (USE (\\Drafts) USE ())', 'a1', /twice/],
  ['a1 CREATE x (FOO)', 'a1'],
  ['a1 CREATE x (USE (Drafts))', 'a1'],
  ['a1 RENAME a', 'a1'],
  ['a1 LIST (RECURSIVEMATCH) "" *', 'a1', /RECURSIVEMATCH/],
  ['a1 LIST (FOO) "" *', 'a1'],
  ['a1 LIST "" ()', 'a1'],
  ['a1 LIST "" * RETURN (FOO)', 'a1'],
  ['a1 LIST "" * RETURN (STATUS ())', 'a1'],
  ['a1 LIST "" * FOO', 'a1'],
  ['a1 LIST ""', 'a1'],
  ['a1 LSUB "" a b', 'a1'],
  ['a1 STATUS INBOX ()', 'a1'],
  ['a1 STATUS INBOX (MESSAGES FOO)', 'a1', /STATUS item/],
  ['a1 STATUS INBOX MESSAGES', 'a1'],
  ['a1 APPEND INBOX', 'a1'],
  ['a1 APPEND INBOX (\\Seen)', 'a1'],
  ['a1 APPEND INBOX (\\Recent) {1}\r\nx', 'a1', /Recent/],
  ['a1 APPEND INBOX "7-Feb-1994" {1}\r\nx', 'a1', /date-time/],
  ['a1 APPEND INBOX "30-Feb-1994 22:43:04 -0800" {1}\r\nx', 'a1', /date-time/],
  ['a1 APPEND INBOX "07-Feb-1994 24:00:00 -0800" {1}\r\nx', 'a1', /date-time/],
  ['a1 APPEND INBOX {1}\r\nx ', 'a1'],
  ['a1 APPEND INBOX UTF8 ({1}\r\nx)', 'a1', /literal8/],
  ['a1 LOGIN ~{1}\r\nx y', 'a1', /literal8/],
  ['a1 EXPUNGE 1', 'a1'],
  ['a1 UID EXPUNGE', 'a1'],
  ['a1 COPY 1', 'a1'],
  ['a1 MOVE 1:2', 'a1'],
  ['a1 FETCH 0 FLAGS', 'a1', /sequence number/],
  ['a1 FETCH 1:4294967296 FLAGS', 'a1', /range/],
  ['a1 FETCH 01 FLAGS', 'a1'],
  ['a1 FETCH 1, FLAGS', 'a1'],
  ['a1 FETCH 1', 'a1'],
  ['a1 FETCH 1 (FLAGS', 'a1'],
  ['a1 FETCH 1 ()', 'a1'],
  ['a1 FETCH 1 (ALL)', 'a1'],
  ['a1 FETCH 1 (FLAGS  UID)', 'a1'],
  ['a1 FETCH 1 FOO', 'a1', /Unknown fetch item/],
  ['a1 FETCH 1 BODY[MIME]', 'a1'],
  ['a1 FETCH 1 BODY[1.0]', 'a1'],
  ['a1 FETCH 1 BODY[1.]', 'a1'],
  ['a1 FETCH 1 BODY[TEXT.MIME]', 'a1'],
  ['a1 FETCH 1 BODY[HEADER.FIELDS]', 'a1'],
  ['a1 FETCH 1 BODY[HEADER.FIELDS ()]', 'a1'],
  ['a1 FETCH 1 BODY.PEEK', 'a1'],
  ['a1 FETCH 1 BODY[]<0.0>', 'a1'],
  ['a1 FETCH 1 BODY[]<5>', 'a1'],
  ['a1 FETCH 1 BINARY[TEXT]', 'a1'],
  ['a1 FETCH 1 BINARY.SIZE', 'a1'],
  ['a1 FETCH 1 ENVELOPE[]', 'a1'],
  ['a1 FETCH 1 FLAGS (VANISHED)', 'a1', /UID FETCH/],
  ['a1 UID FETCH 1 FLAGS (VANISHED)', 'a1', /CHANGEDSINCE/],
  ['a1 FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)', 'a1', /twice/],
  ['a1 FETCH 1 FLAGS ()', 'a1'],
  ['a1 STORE 1 FLAGS', 'a1'],
  ['a1 STORE 1 FLAGS \\Recent', 'a1', /Recent/],
  ['a1 STORE 1 +FLAGS.LOUD (\\Seen)', 'a1', /STORE item/],
  ['a1 STORE 1 FLAGS (\\Seen', 'a1'],
  ['a1 STORE 1 FLAGS (\\*)', 'a1'],
  ['a1 STORE 1 (UNCHANGEDSINCE) FLAGS ()', 'a1'],
  ['a1 STORE 1 (FOO 1) FLAGS ()', 'a1'],
  ['a1 SEARCH', 'a1'],
  ['a1 SEARCH FOO', 'a1', /Unknown search key/],
  ['a1 SEARCH SINCE 30-Feb-2020', 'a1', /date/],
  ['a1 SEARCH SINCE 29-Feb-2023', 'a1', /date/],
  ['a1 SEARCH SINCE 1-Foo-2020', 'a1', /date/],
  ['a1 SEARCH SINCE 1-Feb-94', 'a1', /date/],
  ['a1 SEARCH OR ALL', 'a1'],
  ['a1 SEARCH (ALL', 'a1'],
  ['a1 SEARCH ()', 'a1'],
  ['a1 SEARCH ALL ', 'a1'],
  ['a1 SEARCH KEYWORD \\Seen', 'a1'],
  ['a1 SEARCH LARGER x', 'a1'],
  ['a1 SEARCH MODSEQ "/flags/\\\\seen" every 5', 'a1'],
  ['a1 SEARCH RETURN (FOO) ALL', 'a1', /SEARCH return option/],
  ['a1 SEARCH RETURN (ALL)', 'a1'],
  ['a1 SEARCH CHARSET UTF-8', 'a1'],
  ['a1 SEARCH EMAILID a.b', 'a1'],
  ['a1 GETQUOTA', 'a1'],
  ['a1 SETQUOTA "" (STORAGE)', 'a1'],
  ['a1 SETQUOTA "" (STORAGE -1)', 'a1'],
  ['a1 COMPRESS', 'a1'],
];

test('malformed commands get a tagged BAD', () => {
  for (const [text, tag, reason] of BAD) {
    const r = parse(text) as ParseError;
    assert.equal(r.error, 'BAD', `${JSON.stringify(text)} → ${JSON.stringify(r)}`);
    assert.equal(r.tag, tag, text);
    if (reason !== undefined) assert.match(r.text, reason, text);
  }
});

test('an unknown CHARSET is NO [BADCHARSET], not BAD (RFC 9051 §6.4.4)', () => {
  assert.deepStrictEqual(parse('a1 SEARCH CHARSET X-KLINGON TEXT x'), {
    tag: 'a1', name: 'SEARCH', error: 'NO', code: 'BADCHARSET (US-ASCII UTF-8)', text: 'Unsupported charset X-KLINGON',
  });
});

test('mailbox names with 8-bit bytes need UTF-8 enabled, and then valid UTF-8', () => {
  assert.equal((parse('a1 SELECT "Entwürfe"', { utf8: true }) as { name: string }).name, 'SELECT');
  const invalid = Buffer.concat([Buffer.from('a1 SELECT {2}\r\n'), Buffer.from([0xc3, 0x28])]);
  assert.match((parse(invalid, { utf8: true }) as ParseError).text, /UTF-8/);
  assert.match((parse('a1 CREATE {3}\r\na\u0001b', { utf8: true }) as ParseError).text, /Control/);
  const quoted = Buffer.concat([Buffer.from('a1 SELECT "'), Buffer.from([0xff]), Buffer.from('"')]);
  assert.match((parse(quoted, { utf8: true }) as ParseError).text, /UTF-8/);
});

test('nesting and list sizes are bounded (limits.ts)', () => {
  const deep = 'a1 SEARCH ' + 'NOT '.repeat(100) + 'ALL';
  assert.match((parse(deep) as ParseError).text, /Nesting too deep/);
  const parens = 'a1 SEARCH ' + '('.repeat(100) + 'ALL' + ')'.repeat(100);
  assert.match((parse(parens) as ParseError).text, /Nesting too deep/);
  assert.equal((parse('a1 SEARCH ' + 'NOT '.repeat(20) + 'ALL') as { name: string }).name, 'SEARCH');
  const many = `a1 FETCH 1 (${Array(20).fill('UID').join(' ')})`;
  assert.match((parse(many, { limits: { maxListItems: 10 } }) as ParseError).text, /Too many items/);
  const keys = 'a1 SEARCH ' + Array(50).fill('ALL').join(' ');
  assert.match((parse(keys, { limits: { maxSearchKeys: 40 } }) as ParseError).text, /Too many search keys/);
});
