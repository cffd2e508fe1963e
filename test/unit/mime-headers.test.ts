// The header-level parsers on their own: addresses (RFC 5322 §3.4), dates (§3.3, §4.3), and
// structured MIME values with RFC 2231 parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList } from '../../src/mime/address.ts';
import { parseDate } from '../../src/mime/date.ts';
import { parseStructured } from '../../src/mime/header-params.ts';
import { scanHeader } from '../../src/mime/header-block.ts';

const a = (name: string | null, mailbox: string | null, host: string | null, adl: string | null = null) => ({ name, adl, mailbox, host });

test('addresses: display names, quoting, comments, routes', () => {
  assert.deepEqual(parseAddressList('John Doe <jdoe@machine.example>'), [a('John Doe', 'jdoe', 'machine.example')]);
  assert.deepEqual(parseAddressList('"Doe, \\"J\\"" <j@x.test>'), [a('Doe, "J"', 'j', 'x.test')]);
  assert.deepEqual(parseAddressList('"john doe"@x.test'), [a(null, 'john doe', 'x.test')]);
  assert.deepEqual(parseAddressList('Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>'), [a('Pete', 'pete', 'silly.test')]);
  assert.deepEqual(parseAddressList('jdoe@example.com (John Doe)'), [a('John Doe', 'jdoe', 'example.com')]);
  assert.deepEqual(parseAddressList('<@r1.test,@r2.test:u@h.test>'), [a(null, 'u', 'h.test', '@r1.test,@r2.test')]);
  assert.deepEqual(parseAddressList('john@x.test <john@x.test>'), [a('john@x.test', 'john', 'x.test')]);
  assert.deepEqual(parseAddressList('a@b.test, , c@d.test'), [a(null, 'a', 'b.test'), a(null, 'c', 'd.test')]);
  assert.deepEqual(parseAddressList('<user@[192.0.2.1]>'), [a(null, 'user', '[192.0.2.1]')]);
  assert.deepEqual(parseAddressList(''), []);
  assert.deepEqual(parseAddressList('   '), []);
});

test('addresses: groups, including unclosed ones and empty ones', () => {
  const end = a(null, null, null);
  assert.deepEqual(parseAddressList('undisclosed-recipients:;'), [a(null, 'undisclosed-recipients', null), end]);
  assert.deepEqual(parseAddressList('G: x@y.test'), [a(null, 'G', null), a(null, 'x', 'y.test'), end]);
  assert.deepEqual(
    parseAddressList('G: <x@y.test>; z@w.test'),
    [a(null, 'G', null), a(null, 'x', 'y.test'), end, a(null, 'z', 'w.test')],
  );
  assert.deepEqual(parseAddressList('Unclosed <a@b.test'), [a('Unclosed', 'a', 'b.test')]);
});

test('dates: RFC 5322, obsolete forms, and garbage', () => {
  const iso = (s: string) => parseDate(s)?.toISOString() ?? null;
  assert.equal(iso('Fri, 21 Nov 1997 09:55:06 -0600'), '1997-11-21T15:55:06.000Z');
  assert.equal(iso('21 Nov 97 09:55:06 GMT'), '1997-11-21T09:55:06.000Z');
  assert.equal(iso('Thu, 13 Feb 69 23:32 -0330 (Newfoundland Time)'), '1969-02-14T03:02:00.000Z');
  assert.equal(iso('Mon, 3 Mar 2025 10:15:00 PST'), '2025-03-03T18:15:00.000Z');
  assert.equal(iso('Mon,  3 Mar 25 10:15:00 +0000'), '2025-03-03T10:15:00.000Z');
  assert.equal(iso('Tue, 1 July 2003 10:52:37 +0200'), '2003-07-01T08:52:37.000Z');
  assert.equal(iso('Tue Jul  1 10:52:37 2003'), '2003-07-01T10:52:37.000Z');
  assert.equal(iso('2003-07-01T10:52:37Z'), '2003-07-01T10:52:37.000Z');
  assert.equal(iso('31 Feb 2003 10:00:00 +0000'), null);
  assert.equal(iso('yesterday'), null);
  assert.equal(iso('1'), null);
  assert.equal(parseDate(null), null);
});

test('structured values: Content-Type tolerance', () => {
  assert.deepEqual(parseStructured('Text/HTML; Charset="UTF-8"'), { value: 'text/html', params: [['charset', 'UTF-8']] });
  assert.deepEqual(parseStructured('text/plain (comment); charset=us-ascii (Plain text)'), {
    value: 'text/plain',
    params: [['charset', 'us-ascii']],
  });
  assert.deepEqual(parseStructured('multipart/mixed;; boundary=abc;'), { value: 'multipart/mixed', params: [['boundary', 'abc']] });
  assert.deepEqual(parseStructured('attachment; filename="C:\\dir\\a.txt"'), { value: 'attachment', params: [['filename', 'C:\\dir\\a.txt']] });
  assert.deepEqual(parseStructured('attachment; filename="a \\"b\\".txt"'), { value: 'attachment', params: [['filename', 'a "b".txt']] });
  assert.deepEqual(parseStructured('attachment; filename = "spaced.txt" ; x'), { value: 'attachment', params: [['filename', 'spaced.txt']] });
  assert.deepEqual(parseStructured('attachment; filename="unterminated'), { value: 'attachment', params: [['filename', 'unterminated']] });
  assert.deepEqual(parseStructured('attachment; filename=Invoice(1).pdf'), { value: 'attachment', params: [['filename', 'Invoice(1).pdf']] });
  assert.deepEqual(parseStructured('').value, '');
});

test('RFC 2231: continuations, charsets, languages, and the plain fallback', () => {
  const p = (s: string) => parseStructured('application/x-stuff; ' + s).params;
  assert.deepEqual(p("title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A"), [['title', 'This is ***fun***']]);
  assert.deepEqual(
    p("title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\""),
    [['title', "This is even more ***fun*** isn't it!"]],
  );
  assert.deepEqual(p('url*0="ftp://"; url*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"'), [
    ['url', 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar'],
  ]);
  assert.deepEqual(p("name*=iso-8859-1''caf%E9.txt"), [['name', 'café.txt']]);
  assert.deepEqual(p("name=\"fallback.txt\"; name*=UTF-8''%E2%82%AC.txt"), [['name', '€.txt']]);
  // segments out of order are put in order
  assert.deepEqual(p('n*1="b"; n*0="a"'), [['n', 'ab']]);
  // a broken percent escape is kept as text
  assert.deepEqual(p("n*=utf-8''100%"), [['n', '100%']]);
});

test('header scanning: folding, bare LF, WSP before the colon, no blank line', () => {
  const raw = Buffer.from('Subject: a\r\n b\r\nX-Odd : v\nFrom: x\r\n\r\nbody');
  const h = scanHeader(raw, 0, raw.length);
  assert.deepEqual(h.fields.map((f) => f.name), ['subject', 'x-odd', 'from']);
  assert.equal(raw.toString('latin1', h.fields[0].valueStart, h.fields[0].valueEnd), ' a\r\n b');
  assert.equal(raw.toString('latin1', h.bodyStart), 'body');
  const noBlank = Buffer.from('Content-Type: text/plain\r\nHello world\r\n');
  assert.equal(scanHeader(noBlank, 0, noBlank.length).bodyStart, 26);
  const empty = Buffer.alloc(0);
  assert.deepEqual(scanHeader(empty, 0, 0), { fields: [], bodyStart: 0 });
});
