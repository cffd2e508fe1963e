// SORT, THREAD, CANCELUPDATE and the search additions (RETURN PARTIAL/UPDATE/CONTEXT,
// OLDER/YOUNGER, FETCH PREVIEW): their grammar, accepted and refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLine } from '../harness/imap-parse.ts';

function args(text: string): unknown {
  const r = parseLine(text) as { args?: unknown; text?: string };
  assert.ok(r.args !== undefined, `${text}: ${r.text}`);
  return r.args;
}

function refused(text: string): { error: string; text: string; code?: string; resetSaved?: boolean } {
  const r = parseLine(text) as { error?: string; text: string; code?: string; resetSaved?: boolean };
  assert.ok(r.error !== undefined, `${text} parsed`);
  return r as { error: string; text: string };
}

test('SORT: criteria with REVERSE, mandatory charset, ESORT return options (RFC 5256 §5, RFC 5267 §5)', () => {
  assert.deepStrictEqual(args('A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994'), {
    order: [{ key: 'SUBJECT', reverse: false }], charset: 'UTF-8', criteria: [{ key: 'SINCE', date: { year: 1994, month: 2, day: 1 } }],
  });
  assert.deepStrictEqual(args('A283 sort (subject reverse date displayfrom) "US-ASCII" ALL'), {
    order: [{ key: 'SUBJECT', reverse: false }, { key: 'DATE', reverse: true }, { key: 'DISPLAYFROM', reverse: false }],
    charset: 'US-ASCII', criteria: [{ key: 'ALL' }],
  });
  assert.deepStrictEqual(parseLine('E01 UID SORT RETURN () (REVERSE DATE) UTF-8 UNDELETED'), {
    tag: 'E01', name: 'SORT', uid: true,
    args: { return: [], order: [{ key: 'DATE', reverse: true }], charset: 'UTF-8', criteria: [{ key: 'UNDELETED' }] },
  });
  assert.deepStrictEqual(args('a SORT RETURN (MIN PARTIAL -1:-10 UPDATE CONTEXT) (ARRIVAL) UTF-8 ALL'), {
    return: ['MIN', 'UPDATE', 'CONTEXT'], partial: { first: -1, last: -10 }, order: [{ key: 'ARRIVAL', reverse: false }], charset: 'UTF-8', criteria: [{ key: 'ALL' }],
  });
  for (const bad of ['a SORT () UTF-8 ALL', 'a SORT (SUBJECT) ALL', 'a SORT (REVERSE) UTF-8 ALL', 'a SORT (REVERSE REVERSE DATE) UTF-8 ALL',
    'a SORT (SIZE', 'a SORT (COLOR) UTF-8 ALL', 'a SORT (DATE) UTF-8', 'a UID SORT']) {
    assert.equal(refused(bad).error, 'BAD', bad);
  }
  assert.equal(refused('a SORT (DATE) KOI8-X ALL').code, 'BADCHARSET (US-ASCII UTF-8)');
});

test('THREAD: the two algorithms, UID THREAD, anything else refused', () => {
  assert.deepStrictEqual(parseLine('A283 UID THREAD references utf-8 SINCE 5-MAR-2000'), {
    tag: 'A283', name: 'THREAD', uid: true,
    args: { algorithm: 'REFERENCES', charset: 'utf-8', criteria: [{ key: 'SINCE', date: { year: 2000, month: 3, day: 5 } }] },
  });
  assert.deepStrictEqual(args('a THREAD ORDEREDSUBJECT US-ASCII TEXT gewp'), { algorithm: 'ORDEREDSUBJECT', charset: 'US-ASCII', criteria: [{ key: 'TEXT', value: 'gewp' }] });
  assert.match(refused('a THREAD REFS UTF-8 ALL').text, /Unsupported threading algorithm/);
  assert.equal(refused('a THREAD REFERENCES ALL').error, 'BAD');
});

test('PARTIAL ranges (RFC 9394): one sign for both ends, not with ALL, not twice', () => {
  assert.deepStrictEqual(args('a SEARCH RETURN (PARTIAL 1:100) ALL'), { return: [], partial: { first: 1, last: 100 }, criteria: [{ key: 'ALL' }] });
  assert.deepStrictEqual(args('a UID SEARCH RETURN (COUNT PARTIAL 500:401) ALL'), { return: ['COUNT'], partial: { first: 500, last: 401 }, criteria: [{ key: 'ALL' }] });
  for (const bad of ['a SEARCH RETURN (PARTIAL 1:-5) ALL', 'a SEARCH RETURN (PARTIAL -1:5) ALL', 'a SEARCH RETURN (PARTIAL 0:5) ALL',
    'a SEARCH RETURN (PARTIAL 1:*) ALL', 'a SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL', 'a SEARCH RETURN (ALL PARTIAL 1:5) ALL', 'a SEARCH RETURN (PARTIAL) ALL']) {
    assert.equal(refused(bad).error, 'BAD', bad);
  }
});

test('a refused charset after RETURN (SAVE) marks "$" for emptying (RFC 5182 §2.1)', () => {
  assert.equal(refused('a SEARCH RETURN (SAVE) CHARSET X-KLINGON ALL').resetSaved, true);
  assert.equal(refused('a SEARCH RETURN (COUNT) CHARSET X-KLINGON ALL').resetSaved, undefined);
  assert.equal(refused('a SORT RETURN (SAVE) (DATE) X-KLINGON ALL').resetSaved, true);
});

test('OLDER and YOUNGER take seconds (RFC 5032)', () => {
  assert.deepStrictEqual(args('a SEARCH OLDER 3600 NOT YOUNGER 60'), { criteria: [{ key: 'OLDER', seconds: 3600 }, { key: 'NOT', operand: { key: 'YOUNGER', seconds: 60 } }] });
  for (const bad of ['a SEARCH OLDER', 'a SEARCH OLDER 0', 'a SEARCH YOUNGER -5', 'a SEARCH YOUNGER 4294967296']) assert.equal(refused(bad).error, 'BAD', bad);
});

test('FETCH PREVIEW and PREVIEW (LAZY), beside the FETCH modifiers (RFC 8970 §7)', () => {
  assert.deepStrictEqual((args('a FETCH 1:* (UID PREVIEW)') as { items: unknown }).items, [{ item: 'UID' }, { item: 'PREVIEW', lazy: false }]);
  assert.deepStrictEqual((args('a FETCH 1 (PREVIEW (lazy) FLAGS)') as { items: unknown }).items, [{ item: 'PREVIEW', lazy: true }, { item: 'FLAGS' }]);
  assert.deepStrictEqual(args('a FETCH 1 PREVIEW (LAZY)'), { set: { ranges: [[1, 1]], saved: false }, items: [{ item: 'PREVIEW', lazy: true }], vanished: false });
  assert.deepStrictEqual(args('a FETCH 1 PREVIEW (CHANGEDSINCE 5)'), { set: { ranges: [[1, 1]], saved: false }, items: [{ item: 'PREVIEW', lazy: false }], vanished: false, changedSince: 5n });
  assert.equal(refused('a FETCH 1 (PREVIEW (LAZY FAST))').error, 'BAD');
  assert.equal(refused('a FETCH 1 PREVIEW[]').error, 'BAD');
});

test('FETCH takes a PARTIAL modifier (RFC 9394)', () => {
  assert.deepStrictEqual(args('a UID FETCH 1:* (UID FLAGS) (PARTIAL -1:-30)'), {
    set: { ranges: [[1, 0]], saved: false }, items: [{ item: 'UID' }, { item: 'FLAGS' }], vanished: false, partial: { first: -1, last: -30 },
  });
  assert.deepStrictEqual((args('a FETCH $ (FLAGS) (CHANGEDSINCE 7 PARTIAL 1:10)') as { partial: unknown }).partial, { first: 1, last: 10 });
  for (const bad of ['a FETCH 1:* FLAGS (PARTIAL 1:-3)', 'a FETCH 1:* FLAGS (PARTIAL 1:2 PARTIAL 3:4)', 'a FETCH 1:* FLAGS (PARTIAL)']) assert.equal(refused(bad).error, 'BAD', bad);
});

test('CANCELUPDATE takes quoted tags (RFC 5267 §4.3.5)', () => {
  assert.deepStrictEqual(args('B04 CANCELUPDATE "B01"'), { tags: ['B01'] });
  assert.deepStrictEqual(args('B05 CANCELUPDATE "B01" "B02"'), { tags: ['B01', 'B02'] });
  for (const bad of ['a CANCELUPDATE', 'a CANCELUPDATE B01', 'a UID CANCELUPDATE "x"']) assert.equal(refused(bad).error, 'BAD', bad);
});

test('mutated SORT/THREAD/PARTIAL/PREVIEW/CANCELUPDATE lines never make the parser throw', () => {
  const seeds = [
    'a SORT RETURN (MIN PARTIAL -1:-10 UPDATE) (REVERSE SUBJECT DISPLAYTO) UTF-8 OR $ 1:5 YOUNGER 60',
    'b UID THREAD REFERENCES "UTF-8" (NOT OLDER 5) SUBJECT "x"',
    'c UID FETCH 1:* (PREVIEW (LAZY) UID) (PARTIAL 1:50 CHANGEDSINCE 3)',
    'd CANCELUPDATE "a" "b"', 'e SEARCH RETURN (SAVE CONTEXT PARTIAL 5:1) CHARSET UTF-8 ALL',
  ];
  let s = 12345;
  const rand = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const bits = [...'()"-:*$ 0123456789', 'REVERSE ', 'PARTIAL ', 'LAZY', 'NIL', '\u00e9'];
  for (let n = 0; n < 3000; n++) {
    let line = seeds[rand(seeds.length)];
    for (let k = 1 + rand(3); k > 0; k--) {
      const at = rand(line.length + 1);
      line = rand(2) === 0 ? line.slice(0, at) + bits[rand(bits.length)] + line.slice(at) : line.slice(0, at) + line.slice(at + 1 + rand(4));
    }
    const r = parseLine(line.replace(/[{\r\n]/g, '(')) as { tag?: string };
    assert.ok(typeof r.tag === 'string', line);
  }
});
