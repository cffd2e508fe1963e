// Modified UTF-7 (RFC 3501 §5.1.3, RFC 9051 Appendix A.1): round trips and the canonical-form
// checks that keep two spellings from naming two mailboxes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMutf7, encodeMutf7 } from '../../src/imap/mutf7.ts';

const VECTORS: [string, string][] = [
  ['INBOX', 'INBOX'],
  ['', ''],
  ['&', '&-'],
  ['R&D/&&', 'R&-D/&-&-'],
  ['日本語', '&ZeVnLIqe-'],
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'], // RFC 3501 §5.1.3 example
  ['Entwürfe', 'Entw&APw-rfe'],
  ['Ünïcödé', '&ANw-n&AO8-c&APY-d&AOk-'],
  ['a\u0001b', 'a&AAE-b'], // controls are encoded too; the parser refuses them later
  ['😀 mail', '&2D3eAA- mail'], // astral plane: a surrogate pair in one run
  ['Привет', '&BB8EQAQ4BDIENQRC-'],
];

test('known encodings, both ways', () => {
  for (const [text, encoded] of VECTORS) {
    assert.equal(encodeMutf7(text), encoded, text);
    assert.equal(decodeMutf7(encoded), text, encoded);
  }
});

test('random Unicode round-trips, and the encoding is the only one accepted', () => {
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const pools = [[0x20, 0x7e], [0x00, 0x1f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xfffd], [0x10000, 0x10ffff]];
  for (let i = 0; i < 2000; i++) {
    let s = '';
    for (let n = rand(12); n > 0; n--) {
      const [lo, hi] = pools[rand(pools.length)];
      s += String.fromCodePoint(lo + rand(hi - lo + 1));
    }
    const encoded = encodeMutf7(s);
    assert.match(encoded, /^[\x20-\x7e]*$/);
    assert.equal(decodeMutf7(encoded), s, JSON.stringify(s));
  }
});

test('non-canonical or malformed names are refused', () => {
  const REJECT: [string, string][] = [
    ['&AGE-', '"a" must be written directly'],
    ['&ACY-', '"&" must be "&-"'],
    ['&AC0-', '"-" must be written directly'],
    ['&ZeVnLIqe', 'unterminated'],
    ['abc&', 'unterminated'],
    ['&U,BTFw-&ZeVnLIqe-', 'null shift: two adjacent runs'],
    ['&AOl-', 'non-zero padding bits'],
    ['&AOk', 'unterminated'],
    ['&AO-', 'two characters are not a whole UTF-16 unit'],
    ['&AOkA-', 'four characters leave a stray base64 character'],
    ['&AOkAAAA-', 'seven characters: a stray base64 character'],
    ['&AO/p-', '"/" is not in the modified base64 alphabet'],
    ['&AO=-', 'no padding in modified base64'],
    ['&2D0-', 'unpaired high surrogate'],
    ['&3gA-', 'unpaired low surrogate'],
    ['caf\u00e9', 'raw 8-bit'],
    ['tab\there', 'raw control character'],
    ['a\u007fb', 'raw DEL'],
  ];
  for (const [encoded, why] of REJECT) assert.equal(decodeMutf7(encoded), undefined, `${encoded}: ${why}`);
  // "&-&…-" is an ampersand followed by a run: not a null shift.
  assert.equal(decodeMutf7('&-&AOk-'), '&é');
});
