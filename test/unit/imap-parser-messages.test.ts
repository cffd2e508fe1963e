// FETCH, STORE and SEARCH: the three commands with a grammar of their own.
import { test } from 'node:test';
import { parseLine } from '../harness/imap-parse.ts';
import assert from 'node:assert/strict';
import { CommandReader } from '../../src/imap/reader.ts';
import { parseCommand } from '../../src/imap/parser.ts';
import { formatNumberSet, formatSequenceSet, parseSequenceSet, resolveSequenceSet, STAR, type SequenceSet } from '../../src/imap/seqset.ts';

const parse = parseLine;

/** Just the args of a command that must parse. */
function args(text: string): unknown {
  const r = parse(text) as { args?: unknown; text?: string };
  assert.ok(r.args !== undefined, `${text}: ${r.text}`);
  return r.args;
}

const seq = (s: string): SequenceSet => parseSequenceSet(s, 100) as SequenceSet;

test('sequence sets: ranges either way round, "*" and "$" (RFC 9051 §9, RFC 5182)', () => {
  assert.deepStrictEqual(seq('2,4:7,9,12:*'), { ranges: [[2, 2], [4, 7], [9, 9], [12, STAR]], saved: false });
  assert.deepStrictEqual(seq('*:4,7:5,*,$'), { ranges: [[4, STAR], [5, 7], [STAR, STAR]], saved: true });
  assert.deepStrictEqual(seq('4294967295'), { ranges: [[4294967295, 4294967295]], saved: false });
  for (const bad of ['0', '1:0', '4294967296', '01', '1,', ',1', '1::2', '$:3', '']) {
    assert.equal(typeof parseSequenceSet(bad, 100), 'string', bad);
  }
  assert.equal(typeof parseSequenceSet('1,2,3', 2), 'string', 'too many ranges');
});

test('resolving a set against the mailbox: "*" is the largest, "$" the saved result', () => {
  assert.deepStrictEqual(resolveSequenceSet(seq('2,4:7,9,12:*'), 15), [[2, 2], [4, 7], [9, 9], [12, 15]]);
  assert.deepStrictEqual(resolveSequenceSet(seq('*:4,5:7'), 10), [[4, 10]]); // RFC 9051 §9 example
  assert.deepStrictEqual(resolveSequenceSet(seq('3291:*'), 100), [[100, 3291]]); // "*" below the start
  assert.deepStrictEqual(resolveSequenceSet(seq('*'), 0), []);
  assert.deepStrictEqual(resolveSequenceSet(seq('1,$'), 9, [[5, 6]]), [[1, 1], [5, 6]]);
  assert.equal(formatNumberSet([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
  assert.equal(formatSequenceSet(seq('*:4,7,$')), '4:*,7,$');
});

test('FETCH items, macros, sections, partials (RFC 9051 §6.4.5)', () => {
  const body = (peek: boolean, section: object, partial?: object) => ({ item: 'BODY[]', peek, section, ...(partial ? { partial } : {}) });
  const cases: [string, unknown][] = [
    ['A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])', { set: seq('2:4'), vanished: false, items: [
      { item: 'FLAGS' }, body(false, { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] })] }],
    ['a FETCH 1 all', { set: seq('1'), vanished: false, macro: 'ALL', items: [
      { item: 'FLAGS' }, { item: 'INTERNALDATE' }, { item: 'RFC822.SIZE' }, { item: 'ENVELOPE' }] }],
    ['a FETCH 1 FAST', { set: seq('1'), vanished: false, macro: 'FAST', items: [{ item: 'FLAGS' }, { item: 'INTERNALDATE' }, { item: 'RFC822.SIZE' }] }],
    ['A003 FETCH 12 FULL', { set: seq('12'), vanished: false, macro: 'FULL', items: [
      { item: 'FLAGS' }, { item: 'INTERNALDATE' }, { item: 'RFC822.SIZE' }, { item: 'ENVELOPE' }, { item: 'BODY' }] }],
    ['a FETCH * rfc822.header', { set: seq('*'), vanished: false, items: [{ item: 'RFC822.HEADER' }] }],
    ['a FETCH 1 (UID RFC822.SIZE BODYSTRUCTURE BODY RFC822 RFC822.TEXT INTERNALDATE ENVELOPE MODSEQ EMAILID THREADID SAVEDATE)', {
      set: seq('1'), vanished: false, items: ['UID', 'RFC822.SIZE', 'BODYSTRUCTURE', 'BODY', 'RFC822', 'RFC822.TEXT', 'INTERNALDATE', 'ENVELOPE', 'MODSEQ', 'EMAILID', 'THREADID', 'SAVEDATE'].map((item) => ({ item })) }],
    ['a FETCH 1 (BODY[] BODY.PEEK[TEXT]<0.2048> BODY[1.2.MIME] BODY[3] BODY[4.1.HEADER.FIELDS.NOT ("Received" x-spam)] body[2.text])', {
      set: seq('1'), vanished: false, items: [
        body(false, { part: [] }),
        body(true, { part: [], text: 'TEXT' }, { offset: 0, length: 2048 }),
        body(false, { part: [1, 2], text: 'MIME' }),
        body(false, { part: [3] }),
        body(false, { part: [4, 1], text: 'HEADER.FIELDS.NOT', fields: ['Received', 'x-spam'] }),
        body(false, { part: [2], text: 'TEXT' }),
      ] }],
    // RFC 3516 BINARY
    ['t FETCH 1 (BINARY.PEEK[1]<0.10> BINARY[] BINARY.SIZE[2.3])', { set: seq('1'), vanished: false, items: [
      { item: 'BINARY[]', peek: true, part: [1], partial: { offset: 0, length: 10 } },
      { item: 'BINARY[]', peek: false, part: [] },
      { item: 'BINARY.SIZE', part: [2, 3] }] }],
    // RFC 7162 §3.2.6 and §3.2.5.2
    ['s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)', { set: seq('300:500'), vanished: true, changedSince: 12345n, items: [{ item: 'FLAGS' }] }],
    ['s101 FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)', { set: seq('1:*'), vanished: false, changedSince: 12345n, items: [{ item: 'FLAGS' }] }],
    ['a FETCH $ FLAGS', { set: seq('$'), vanished: false, items: [{ item: 'FLAGS' }] }],
  ];
  for (const [text, expected] of cases) assert.deepStrictEqual(args(text), expected, text);
  assert.equal((parse('A999 UID FETCH 4827313:4828442 FLAGS') as { uid: boolean }).uid, true);
});

test('STORE (RFC 9051 §6.4.6, RFC 7162 UNCHANGEDSINCE)', () => {
  assert.deepStrictEqual(args('A003 STORE 2:4 +FLAGS (\\Deleted)'), { set: seq('2:4'), action: 'add', silent: false, flags: ['\\Deleted'] });
  assert.deepStrictEqual(args('a STORE 1 flags.silent \\seen $Junk'), { set: seq('1'), action: 'set', silent: true, flags: ['\\Seen', '$Junk'] });
  // A flag-extension is for future standards: refused, not stored and dropped (as Dovecot).
  assert.match((parse('a STORE 1 +FLAGS (\\X-Ext)') as { text: string }).text, /Invalid system flag \\X-Ext/);
  assert.deepStrictEqual(args('a STORE 1 -FLAGS ()'), { set: seq('1'), action: 'remove', silent: false, flags: [] });
  assert.deepStrictEqual(args('a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)'),
    { set: seq('6,4,8'), action: 'add', silent: true, flags: ['\\Deleted'], unchangedSince: 12121230045n });
  assert.deepStrictEqual(args('a STORE 1 (UNCHANGEDSINCE 0) FLAGS (\\Draft)'), { set: seq('1'), action: 'set', silent: false, flags: ['\\Draft'], unchangedSince: 0n });
});

test('SEARCH keys (RFC 9051 §6.4.4, RFC 3501 §6.4.4)', () => {
  const date = (day: number, month: number, year: number) => ({ year, month, day });
  assert.deepStrictEqual(args('A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), {
    return: ['MIN', 'COUNT'],
    criteria: [{ key: 'FLAGGED' }, { key: 'SINCE', date: date(1, 2, 1994) }, { key: 'NOT', operand: { key: 'FROM', value: 'Smith' } }] });
  assert.deepStrictEqual(args('A283 SEARCH RETURN () all'), { return: [], criteria: [{ key: 'ALL' }] });
  assert.deepStrictEqual(args('A285 SEARCH CHARSET UTF-8 TEXT {12}\r\n\u00e4\u00f6\u00fc\u00df\u00e4\u00f6'), {
    charset: 'UTF-8', criteria: [{ key: 'TEXT', value: 'äöüßäö' }] });
  assert.deepStrictEqual(args('a SEARCH OR (SEEN UNSEEN) NOT NOT 1:3,* UID 5:* LARGER 100 smaller 200 HEADER X-Foo ""'), { criteria: [
    { key: 'OR', left: { key: 'AND', operands: [{ key: 'SEEN' }, { key: 'UNSEEN' }] }, right: { key: 'NOT', operand: { key: 'NOT', operand: { key: 'SEQ', set: seq('1:3,*') } } } },
    { key: 'UID', set: seq('5:*') }, { key: 'LARGER', size: 100 }, { key: 'SMALLER', size: 200 }, { key: 'HEADER', field: 'X-Foo', value: '' }] });
  assert.deepStrictEqual(args('a SEARCH NEW OLD RECENT DRAFT UNDRAFT KEYWORD $Junk UNKEYWORD foo SENTON "2-Mar-2020" SENTBEFORE 29-Feb-2024 ON 31-dec-1999'), { criteria: [
    { key: 'NEW' }, { key: 'OLD' }, { key: 'RECENT' }, { key: 'DRAFT' }, { key: 'UNDRAFT' }, { key: 'KEYWORD', flag: '$Junk' }, { key: 'UNKEYWORD', flag: 'foo' },
    { key: 'SENTON', date: date(2, 3, 2020) }, { key: 'SENTBEFORE', date: date(29, 2, 2024) }, { key: 'ON', date: date(31, 12, 1999) }] });
  // RFC 7162 §3.1.5, RFC 5182 "$", RFC 8474
  assert.deepStrictEqual(args('a SEARCH MODSEQ "/flags/\\\\draft" all 620162338 $ EMAILID M6d99ac3275bb4e'), { criteria: [
    { key: 'MODSEQ', modseq: 620162338n, entry: { name: '/flags/\\draft', type: 'all' } }, { key: 'SEQ', set: seq('$') }, { key: 'EMAILID', id: 'M6d99ac3275bb4e' }] });
  assert.deepStrictEqual(args('a UID SEARCH RETURN (SAVE) MODSEQ 0'), { return: ['SAVE'], criteria: [{ key: 'MODSEQ', modseq: 0n }] });
});

test('SEARCH strings are decoded in the CHARSET given', () => {
  const r = new CommandReader();
  r.feed(Buffer.concat([Buffer.from('a SEARCH CHARSET ISO-8859-1 SUBJECT {4}\r\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('\r\n')]));
  assert.equal(r.next()?.type, 'continue');
  r.accept();
  const e = r.next();
  assert.ok(e?.type === 'command');
  assert.deepStrictEqual((parseCommand(e.command) as { args: unknown }).args, { charset: 'ISO-8859-1', criteria: [{ key: 'SUBJECT', value: 'café' }] });
});
