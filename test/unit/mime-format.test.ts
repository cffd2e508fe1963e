// ENVELOPE and BODY/BODYSTRUCTURE wire strings, checked against expected values derived by hand
// from RFC 3501 §7.4.2 and §9 (sizes are the byte lengths of the bodies written out here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../src/mime/parse-message.ts';
import type { BodyPart } from '../../src/mime/parse-message.ts';
import { formatBodyStructure, formatEnvelope } from '../../src/mime/imap-format.ts';
import { imapString, nstring } from '../../src/mime/imap-quote.ts';
import { crlf, fixture } from '../fixtures/mime/load.ts';

const len = (s: string): number => Buffer.byteLength(s);

test('IMAP strings: quoted with escapes, NIL, literals for CR/LF and 8-bit unless UTF8=ACCEPT', () => {
  assert.equal(imapString('plain', false), '"plain"');
  assert.equal(imapString('', false), '""');
  assert.equal(imapString('say "hi" \\o/', false), '"say \\"hi\\" \\\\o/"');
  assert.equal(imapString('two\r\nlines', false), '{10}\r\ntwo\r\nlines');
  assert.equal(imapString('bare\nlf', false), '{7}\r\nbare\nlf');
  assert.equal(imapString('Grüße', false), '{7}\r\nGrüße');
  assert.equal(imapString('Grüße', true), '"Grüße"');
  assert.equal(imapString('a"ü', true), '"a\\"ü"');
  assert.equal(imapString('x\r\nü', true), '{5}\r\nx\r\nü');
  assert.equal(imapString('nul\0byte', false), '"nulbyte"');
  assert.equal(imapString('tab\there', false), '"tab\there"');
  assert.equal(nstring(null, false), 'NIL');
  assert.equal(nstring(undefined, false), 'NIL');
  assert.equal(nstring('NIL', false), '"NIL"');
});

test('simple text: ENVELOPE, BODY and BODYSTRUCTURE', () => {
  const m = parseMessage(fixture('simple-text.eml'));
  const alice = '(("Alice Example" NIL "alice" "example.org"))';
  assert.equal(
    formatEnvelope(m.envelope),
    `("Mon, 3 Mar 2025 10:15:00 +0100" "Lunch on Friday?" ${alice} ${alice} ${alice} ` +
      '(("Bob" NIL "bob" "example.com")) NIL NIL NIL "<20250303091500.12345@mail.example.org>")',
  );
  const size = len(crlf(['Hi Bob,', '', 'Are you free for lunch on Friday?', '', 'Alice', '']));
  assert.equal(formatBodyStructure(m.body, false), `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${size} 5)`);
  assert.equal(formatBodyStructure(m.body, true), `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${size} 5 NIL NIL NIL NIL)`);
});

test('multipart/alternative: in-reply-to, comment as name, extension data', () => {
  const m = parseMessage(fixture('alternative.eml'));
  const renee = '(("=?UTF-8?Q?Ren=C3=A9e_Dupont?=" NIL "renee" "example.fr"))';
  assert.equal(
    formatEnvelope(m.envelope),
    '("Thu, 13 Feb 2025 16:04:11 -0500 (EST)" "=?UTF-8?Q?R=C3=A9union_d=E2=80=99=C3=A9quipe?=" ' +
      `${renee} ${renee} ${renee} (("Team, All" NIL "team" "example.com")) (("Carol C." NIL "carol" "example.com")) NIL ` +
      '"<prev-1@example.com>" "<CAF=abc123@mail.example.fr>")',
  );
  const s1 = len(crlf(['Bonjour =C3=A0 tous,', 'La r=C3=A9union est =C3=A0 15h.']));
  const s2 = len(crlf(['<div dir=3D"ltr">Bonjour =C3=A0 tous,<br>La r=C3=A9union est =C3=A0 15h.</d=', 'iv>']));
  assert.equal(
    formatBodyStructure(m.body, true),
    `(("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" ${s1} 2 NIL NIL NIL NIL)` +
      `("text" "html" ("charset" "UTF-8") NIL NIL "quoted-printable" ${s2} 2 NIL NIL "fr" NIL)` +
      ' "alternative" ("boundary" "000000000000a1b2c3d4e5f6") NIL NIL NIL)',
  );
  assert.equal(
    formatBodyStructure(m.body, false),
    `(("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" ${s1} 2)` +
      `("text" "html" ("charset" "UTF-8") NIL NIL "quoted-printable" ${s2} 2) "alternative")`,
  );
});

test('multipart/mixed: id, description, md5, disposition, language list, location, 8-bit param in RFC 2231 form', () => {
  const m = parseMessage(fixture('mixed-attachments.eml'));
  const s2 = len(crlf(['iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA', '60e6kgAAAABJRU5ErkJggg==']));
  const s3 = len('JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK');
  const name = '=?UTF-8?B?UmVjaG51bmcgw5xiZXJzaWNodC5wZGY=?=';
  const expected = (filename: string): string =>
    '(("text" "plain" ("charset" "us-ascii" "format" "flowed") NIL NIL "7bit" 13 1 NIL NIL NIL NIL)' +
    `("image" "png" ("name" "photo.png") "<img1@example.com>" "A photo" "base64" ${s2} "Q2hlY2sgSW50ZWdyaXR5IQ==" ` +
    `("inline" (${filename})) NIL "http://example.com/photo.png")` +
    `("application" "pdf" ("name" "${name}") NIL NIL "base64" ${s3} NIL ("attachment" ("filename" "${name}" "size" "1234")) ("de" "en") NIL)` +
    ' "mixed" ("boundary" "=_mixed_7f3a") NIL NIL NIL)';
  // "📷 Urlaubsfoto am Strand ü.png": 7-bit and tagged UTF-8 (as Dovecot sends it), raw after UTF8=ACCEPT
  assert.equal(formatBodyStructure(m.body, true), expected(`"filename*" "utf-8''%F0%9F%93%B7%20Urlaubsfoto%20am%20Strand%20%C3%BC.png"`));
  assert.equal(formatBodyStructure(m.body, true, true), expected('"filename" "📷 Urlaubsfoto am Strand ü.png"'));
  assert.equal(
    formatBodyStructure(m.body, false),
    '(("text" "plain" ("charset" "us-ascii" "format" "flowed") NIL NIL "7bit" 13 1)' +
      `("image" "png" ("name" "photo.png") "<img1@example.com>" "A photo" "base64" ${s2})` +
      `("application" "pdf" ("name" "${name}") NIL NIL "base64" ${s3}) "mixed")`,
  );
});

test('message/rfc822: envelope, body and line count of the encapsulated message', () => {
  const m = parseMessage(fixture('nested-rfc822.eml'));
  const inner = m.body.parts?.[1] as BodyPart;
  const eve = '(("Eve" NIL "eve" "example.org"))';
  const env = `("Fri, 14 Feb 2025 18:30:00 +0000" "Report" ${eve} ${eve} ${eve} (("Carol" NIL "carol" "example.net")) NIL NIL NIL "<report-7@example.org>")`;
  assert.equal(
    formatBodyStructure(m.body, true),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 26 1 NIL NIL NIL NIL)' +
      `("message" "rfc822" NIL NIL NIL "7bit" ${inner.size} ${env} ` +
      '(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 20 1 NIL NIL NIL NIL)' +
      '("text" "html" ("charset" "utf-8") NIL NIL "7bit" 34 1 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)' +
      ' 17 NIL ("attachment" ("filename" "report.eml")) NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)',
  );
  assert.equal(
    formatBodyStructure(m.body, false),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 26 1)' +
      `("message" "rfc822" NIL NIL NIL "7bit" ${inner.size} ${env} ` +
      '(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 20 1)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 34 1) "alternative")' +
      ' 17) "mixed")',
  );
});

test('group syntax, source route, null address, missing domain and mailbox', () => {
  const m = parseMessage(fixture('groups.eml'));
  const joe = '(("Joe Q. Public" NIL "john.q.public" "example.com"))';
  assert.equal(
    formatEnvelope(m.envelope),
    `("Tue, 1 Jul 2003 10:52:37 +0200" "Group test" ${joe} ` +
      '(("Mary Smith" "@node.test,@relay.test" "mary" "example.net")) (("Nobody" NIL "" "")) ' +
      '((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL)' +
      '("Mary Smith" NIL "mary" "x.test")) ((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL)) ' +
      '(("Giant; \\"Big\\" Box" NIL "sysservices" "example.net")(NIL NIL "broken-no-domain" "MISSING_DOMAIN")' +
      '(NIL NIL "MISSING_MAILBOX" "nolocal.test")) NIL "<5678.21-Nov-1997@example.com>")',
  );
});

test('8-bit envelope strings become literals unless the client enabled UTF8=ACCEPT', () => {
  const m = parseMessage(fixture('eightbit.eml'));
  const from = '(("=?ISO-8859-1?Q?Fran=E7ois?=" NIL "francois" "example.fr"))';
  assert.equal(
    formatEnvelope(m.envelope),
    `("1 Mar 2025 07:00 +0100" {17}\r\nGrüße aus Köln ${from} (({13}\r\nFrançois Bot NIL "bot" "example.fr")) ${from} ` +
      '(({4}\r\nZoë NIL "zoe" "example.com")) NIL NIL NIL NIL)',
  );
  assert.equal(
    formatEnvelope(m.envelope, true),
    `("1 Mar 2025 07:00 +0100" "Grüße aus Köln" ${from} (("François Bot" NIL "bot" "example.fr")) ${from} ` +
      '(("Zoë" NIL "zoe" "example.com")) NIL NIL NIL NIL)',
  );
  assert.equal(formatBodyStructure(m.body, false), '("text" "plain" ("charset" "iso-8859-1") NIL NIL "8bit" 16 1)');
});

test('missing headers: all-NIL envelope', () => {
  const m = parseMessage(fixture('missing-headers.eml'));
  assert.equal(formatEnvelope(m.envelope), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  assert.equal(formatBodyStructure(m.body, false), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 1)');
});

test('multipart/digest: default message/rfc822 parts with empty MIME headers', () => {
  const m = parseMessage(fixture('digest.eml'));
  const a = '((NIL NIL "a" "example.org"))';
  const b = '((NIL NIL "b" "example.org"))';
  assert.equal(
    formatBodyStructure(m.body, false),
    `(("message" "rfc822" NIL NIL NIL "7bit" 49 (NIL "first" ${a} ${a} ${a} NIL NIL NIL NIL NIL) ` +
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1) 4)' +
      `("message" "rfc822" NIL NIL NIL "7bit" 51 (NIL "second" ${b} ${b} ${b} NIL NIL NIL NIL NIL) ` +
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 1) 4)' +
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1) "digest")',
  );
});

test('malformed MIME formats as text/plain where it cannot be parsed', () => {
  const m = parseMessage(fixture('malformed.eml'));
  const t = (size: number, lines: number): string => `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${size} ${lines})`;
  assert.equal(
    formatBodyStructure(m.body, false),
    `((${t(10, 1)}("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 11 1) "alternative")` +
      `${t(30, 2)}${t(22, 1)}${t(20, 1)}${t(25, 1)} "mixed")`,
  );
  const last = formatBodyStructure(m.body.parts?.[4] as BodyPart, true);
  assert.equal(last, '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 25 1 NIL ("attachment" ("filename" "report final.txt")) NIL NIL)');
});

test('encoded message/rfc822 is opaque; empty multipart gets Dovecot\'s stand-in part', () => {
  const raw = Buffer.from(crlf([
    'Content-Type: multipart/mixed; boundary=x', '', '--x',
    'Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64', '', 'RnJvbTogYUBiLmMNCg0KaGk=', '--x--', '',
  ]));
  const m = parseMessage(raw);
  assert.equal(
    formatBodyStructure(m.body, false),
    '(("application" "octet-stream" NIL NIL NIL "base64" 24) "mixed")',
  );
  const empty: BodyPart = { ...m.body, parts: [] };
  assert.equal(
    formatBodyStructure(empty, true),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "x") NIL NIL NIL)',
  );
});

test('message/global is encapsulated like message/rfc822 (RFC 9051 media-message)', () => {
  const raw = Buffer.from(crlf([
    'Content-Type: multipart/mixed; boundary=x', '', '--x',
    'Content-Type: message/global', '', 'Subject: Grüße', '', 'hi', '--x--', '',
  ]));
  const m = parseMessage(raw);
  // 'Subject: Grüße' is 16 octets, then CRLF CRLF 'hi': 22
  assert.equal(
    formatBodyStructure(m.body, false, true),
    '(("message" "global" NIL NIL NIL "7bit" 22 (NIL "Grüße" NIL NIL NIL NIL NIL NIL NIL NIL) ' +
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 2 1) 3) "mixed")',
  );
});
