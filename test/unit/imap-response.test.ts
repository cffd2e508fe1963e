// Response writing: the quoted/literal choice (RFC 9051 §4.3, §9 QUOTED-CHAR), atoms, NIL,
// mailbox names, and chunks that let a large literal be streamed without copying.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseLine, canQuote, continuation, statusLine } from '../../src/imap/response.ts';

const line = (build: (l: ResponseLine) => ResponseLine, utf8 = false): string =>
  build(new ResponseLine({ utf8 })).toBuffer().toString('utf8');

test('strings are quoted when they can be, with quoted-specials escaped', () => {
  assert.equal(line((l) => l.string('hello world')), '"hello world"\r\n');
  assert.equal(line((l) => l.string('say "hi" \\o/')), '"say \\"hi\\" \\\\o/"\r\n');
  assert.equal(line((l) => l.string('')), '""\r\n');
});

test('CR, LF, NUL and (without UTF-8) 8-bit force a literal', () => {
  assert.equal(line((l) => l.string('two\r\nlines')), '{10}\r\ntwo\r\nlines\r\n');
  assert.equal(line((l) => l.string('café')), '{5}\r\ncafé\r\n');
  assert.equal(line((l) => l.string('café'), true), '"café"\r\n');
  assert.equal(canQuote(Buffer.from([0xff]), true), false, 'not UTF-8');
  assert.equal(canQuote(Buffer.from('a\0b'), true), false);
  assert.equal(line((l) => l.string('x'.repeat(2000))), `{2000}\r\n${'x'.repeat(2000)}\r\n`);
});

test('astring: an atom when it is one, never a bare NIL', () => {
  assert.equal(line((l) => l.astring('INBOX').sp().astring('a]b').sp().astring('two words').sp().astring('')), 'INBOX a]b "two words" ""\r\n');
  assert.equal(line((l) => l.astring('nil').sp().astring('%').sp().astring('{x}')), '"nil" "%" "{x}"\r\n');
  assert.equal(line((l) => l.nstring(null).sp().nstring('NIL').sp().nstring(undefined)), 'NIL "NIL" NIL\r\n');
});

test('mailbox names: modified UTF-7 for IMAP4rev1, UTF-8 once enabled', () => {
  assert.equal(line((l) => l.raw('* LIST () "/" ').mailbox('Entwürfe/R&D')), '* LIST () "/" Entw&APw-rfe/R&-D\r\n');
  assert.equal(line((l) => l.raw('* LIST () "/" ').mailbox('Entwürfe/R&D'), true), '* LIST () "/" "Entwürfe/R&D"\r\n');
  assert.equal(line((l) => l.mailbox('INBOX')), 'INBOX\r\n');
});

test('flags and numbers', () => {
  assert.equal(line((l) => l.raw('* 1 FETCH (FLAGS ').flags(['\\Seen', '$Junk']).raw(')')), '* 1 FETCH (FLAGS (\\Seen $Junk))\r\n');
  assert.equal(line((l) => l.raw('* SEARCH ').numbers([2, 3, 5n])), '* SEARCH 2 3 5\r\n');
  assert.equal(line((l) => l.raw('* FLAGS ').flags([])), '* FLAGS ()\r\n');
});

test('a large literal body is its own chunk, passed through uncopied', () => {
  const body = Buffer.alloc(100_000, 0x61);
  const l = new ResponseLine().raw('* 1 FETCH (BODY[] ').literal(body).raw(')');
  const chunks = l.end();
  assert.equal(chunks.length, 3);
  assert.equal(chunks[0].toString(), '* 1 FETCH (BODY[] {100000}\r\n');
  assert.equal(chunks[1], body);
  assert.equal(chunks[2].toString(), ')\r\n');
  assert.equal(line((l2) => l2.literal(Buffer.from('a\0b'), true)), '~{3}\r\na\0b\r\n');
});

test('take() hands out the line so far, for a body streamed from disk', () => {
  const l = new ResponseLine().raw('* 1 FETCH (UID 7 BODY[] ').literalHeader(5);
  assert.equal(Buffer.concat(l.take()).toString(), '* 1 FETCH (UID 7 BODY[] {5}\r\n');
  // … the caller streams the 5 octets here …
  assert.equal(Buffer.concat(l.raw(')').end()).toString(), ')\r\n');
});

test('status lines and continuations never carry a stray CRLF', () => {
  assert.equal(statusLine('a1', 'OK', 'done').toString(), 'a1 OK done\r\n');
  assert.equal(statusLine('a1', 'NO', 'Message too big', 'TOOBIG').toString(), 'a1 NO [TOOBIG] Message too big\r\n');
  assert.equal(statusLine('*', 'BAD', 'evil\r\n* OK injected').toString(), '* BAD evil * OK injected\r\n');
  assert.equal(statusLine('a1', 'OK', '').toString(), 'a1 OK Done\r\n');
  assert.equal(continuation().toString(), '+ Ready\r\n');
  assert.equal(continuation('idling').toString(), '+ idling\r\n');
});
