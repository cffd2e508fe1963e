// parseMessage over the corpus in test/fixtures/mime: the MIME tree, offsets (checked by slicing
// the file and comparing with the bytes written by hand), and the SEARCH fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../src/mime/parse-message.ts';
import type { BodyPart } from '../../src/mime/parse-message.ts';
import { partAt, sectionRange } from '../../src/mime/section.ts';
import type { SectionText } from '../../src/mime/section.ts';
import { crlf, fixture } from '../fixtures/mime/load.ts';

function section(raw: Buffer, root: BodyPart, path: number[], text: SectionText = ''): string | null {
  const r = sectionRange(root, path, text);
  return r === null ? null : raw.toString('utf8', r[0], r[1]);
}

function body(raw: Buffer, p: BodyPart): string {
  return raw.toString('latin1', p.bodyStart, p.bodyEnd);
}

test('simple text message: one part, offsets, search fields', () => {
  const raw = fixture('simple-text.eml');
  const m = parseMessage(raw);
  const text = crlf(['Hi Bob,', '', 'Are you free for lunch on Friday?', '', 'Alice', '']);
  assert.equal(raw.toString('latin1', m.headerEnd), text);
  assert.ok(raw.toString('latin1', 0, m.headerEnd).endsWith('MIME-Version: 1.0\r\n\r\n'));
  assert.deepEqual(m.body, {
    type: 'text', subtype: 'plain', params: [], encoding: '7bit', size: Buffer.byteLength(text), lines: 5,
    headerStart: 0, bodyStart: m.headerEnd, bodyEnd: raw.length,
  });
  assert.equal(m.date?.toISOString(), '2025-03-03T09:15:00.000Z');
  assert.equal(m.subject, 'Lunch on Friday?');
  assert.equal(m.from, 'Alice Example <alice@example.org>');
  assert.equal(m.to, 'Bob <bob@example.com>');
  assert.equal(m.cc, '');
  assert.equal(m.bcc, '');
  assert.equal(m.messageId, '20250303091500.12345@mail.example.org');
  assert.equal(m.text, 'Hi Bob,\n\nAre you free for lunch on Friday?\n\nAlice');
  // RFC 9051 §6.4.5.1: a non-multipart message has only part 1, which is its body
  assert.equal(section(raw, m.body, [1]), text);
  assert.equal(section(raw, m.body, [], 'TEXT'), text);
  assert.equal(section(raw, m.body, []), raw.toString('utf8'));
  assert.equal(section(raw, m.body, [1], 'MIME'), section(raw, m.body, [], 'HEADER'));
  assert.equal(section(raw, m.body, [2]), null);
  assert.equal(section(raw, m.body, [1], 'HEADER'), null);
  assert.equal(section(raw, m.body, [1, 1]), null);
  // it survives the trip through SQLite as JSON
  assert.deepEqual(JSON.parse(JSON.stringify(m.body)), m.body);
});

test('multipart/alternative: quoted-printable parts, decoded subject, the same text once for the index', () => {
  const raw = fixture('alternative.eml');
  const m = parseMessage(raw);
  assert.equal(m.body.type, 'multipart');
  assert.equal(m.body.subtype, 'alternative');
  assert.equal(m.body.boundary, '000000000000a1b2c3d4e5f6');
  assert.deepEqual(m.body.params, [['boundary', '000000000000a1b2c3d4e5f6']]);
  const [plain, html] = m.body.parts ?? [];
  assert.equal(body(raw, plain), crlf(['Bonjour =C3=A0 tous,', 'La r=C3=A9union est =C3=A0 15h.']));
  assert.equal(plain.encoding, 'quoted-printable');
  assert.deepEqual(plain.params, [['charset', 'UTF-8']]);
  assert.equal(plain.lines, 2);
  assert.equal(body(raw, html), crlf(['<div dir=3D"ltr">Bonjour =C3=A0 tous,<br>La r=C3=A9union est =C3=A0 15h.</d=', 'iv>']));
  assert.deepEqual(html.language, ['fr']);
  assert.equal(
    raw.toString('latin1', html.headerStart, html.bodyStart),
    crlf(['Content-Type: text/html; charset="UTF-8"', 'Content-Transfer-Encoding: quoted-printable', 'Content-Language: fr', '', '']),
  );
  assert.equal(m.subject, 'Réunion d’équipe');
  assert.equal(m.from, 'Renée Dupont <renee@example.fr>');
  assert.equal(m.cc, 'carol@example.com (Carol C.)');
  assert.equal(m.date?.toISOString(), '2025-02-13T21:04:11.000Z');
  assert.equal(m.messageId, 'CAF=abc123@mail.example.fr');
  assert.equal(m.text, 'Bonjour à tous,\nLa réunion est à 15h.');
});

test('multipart/mixed with attachments: RFC 2231 filename, RFC 2047 name kept for the client', () => {
  const raw = fixture('mixed-attachments.eml');
  const m = parseMessage(raw);
  const parts = m.body.parts ?? [];
  assert.equal(parts.length, 3);
  assert.ok(body(raw, m.body).startsWith('This is a multi-part message in MIME format.\r\n\r\n--=_mixed_7f3a\r\n'));
  assert.equal(body(raw, parts[0]), 'See attached.');
  assert.deepEqual(parts[0].params, [['charset', 'us-ascii'], ['format', 'flowed']]);
  const png = parts[1];
  assert.equal(body(raw, png), crlf(['iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA', '60e6kgAAAABJRU5ErkJggg==']));
  assert.equal(png.id, '<img1@example.com>');
  assert.equal(png.description, 'A photo');
  assert.equal(png.disposition, 'inline');
  assert.deepEqual(png.dispositionParams, [['filename', '📷 Urlaubsfoto am Strand ü.png']]);
  assert.equal(png.md5, 'Q2hlY2sgSW50ZWdyaXR5IQ==');
  assert.equal(png.location, 'http://example.com/photo.png');
  assert.equal(png.lines, undefined);
  const pdf = parts[2];
  assert.equal(pdf.encoding, 'base64');
  assert.deepEqual(pdf.params, [['name', '=?UTF-8?B?UmVjaG51bmcgw5xiZXJzaWNodC5wZGY=?=']]);
  assert.deepEqual(pdf.dispositionParams, [['filename', '=?UTF-8?B?UmVjaG51bmcgw5xiZXJzaWNodC5wZGY=?='], ['size', '1234']]);
  assert.deepEqual(pdf.language, ['de', 'en']);
  assert.equal(body(raw, pdf), 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK');
  assert.equal(m.text, 'See attached.');
});

test('nested message/rfc822: envelope, inner tree, and every section as a slice', () => {
  const raw = fixture('nested-rfc822.eml');
  const m = parseMessage(raw);
  const [intro, fwd] = m.body.parts ?? [];
  assert.equal(body(raw, intro), 'See the forwarded message.');
  assert.equal(fwd.type, 'message');
  assert.equal(fwd.subtype, 'rfc822');
  assert.equal(fwd.lines, 17);
  const innerHeader = crlf([
    'From: Eve <eve@example.org>', 'To: Carol <carol@example.net>', 'Subject: Report',
    'Date: Fri, 14 Feb 2025 18:30:00 +0000', 'Message-ID: <report-7@example.org>', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="inner"', '', '',
  ]);
  const innerText = crlf([
    '--inner', 'Content-Type: text/plain; charset=utf-8', '', 'The report is ready.',
    '--inner', 'Content-Type: text/html; charset=utf-8', '', '<p>The report is <b>ready</b>.</p>', '--inner--', '',
  ]);
  assert.equal(body(raw, fwd), innerHeader + innerText);
  assert.equal(fwd.size, Buffer.byteLength(innerHeader + innerText));
  assert.equal(fwd.envelope?.subject, 'Report');
  assert.deepEqual(fwd.envelope?.from, [{ name: 'Eve', adl: null, mailbox: 'eve', host: 'example.org' }]);
  assert.equal(fwd.message?.subtype, 'alternative');
  assert.equal(section(raw, m.body, [2]), innerHeader + innerText);
  assert.equal(section(raw, m.body, [2], 'HEADER'), innerHeader);
  assert.equal(section(raw, m.body, [2], 'TEXT'), innerText);
  assert.equal(section(raw, m.body, [2], 'MIME'), crlf(['Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="report.eml"', '', '']));
  assert.equal(section(raw, m.body, [2, 1]), 'The report is ready.');
  assert.equal(section(raw, m.body, [2, 2]), '<p>The report is <b>ready</b>.</p>');
  assert.equal(section(raw, m.body, [2, 2], 'MIME'), crlf(['Content-Type: text/html; charset=utf-8', '', '']));
  assert.equal(section(raw, m.body, [2, 3]), null);
  assert.equal(section(raw, m.body, [1], 'HEADER'), null);
  assert.equal(partAt(m.body, [2, 1])?.lines, 1);
  assert.equal(m.text, 'See the forwarded message.\nThe report is ready.');
});

test('8-bit header and body bytes: UTF-8 kept, invalid UTF-8 read as Latin-1, charset decoded', () => {
  const raw = fixture('eightbit.eml');
  const m = parseMessage(raw);
  assert.equal(m.subject, 'Grüße aus Köln');
  assert.equal(m.envelope.subject, 'Grüße aus Köln');
  assert.deepEqual(m.envelope.sender, [{ name: 'François Bot', adl: null, mailbox: 'bot', host: 'example.fr' }]);
  assert.equal(m.from, 'François <francois@example.fr>');
  assert.equal(m.to, 'Zoë <zoe@example.com>');
  assert.equal(m.date?.toISOString(), '2025-03-01T06:00:00.000Z');
  assert.equal(m.body.encoding, '8bit');
  assert.equal(m.body.size, 16);
  assert.equal(m.body.lines, 1);
  assert.equal(m.text, 'Voilà le café.');
});

test('missing header, header only, and bare LF line endings', () => {
  let raw = fixture('missing-headers.eml');
  let m = parseMessage(raw);
  assert.equal(m.headerEnd, 2);
  assert.equal(m.envelope.from, null);
  assert.equal(m.envelope.subject, null);
  assert.equal(m.date, null);
  assert.equal(m.subject, '');
  assert.equal(m.messageId, '');
  assert.equal(body(raw, m.body), 'Just a body, no header at all.\r\n');
  assert.equal(m.body.lines, 1);

  raw = fixture('header-only.eml');
  m = parseMessage(raw);
  assert.equal(m.headerEnd, raw.length);
  assert.equal(m.body.size, 0);
  assert.equal(m.body.lines, 0);
  assert.equal(m.subject, 'header only');
  assert.equal(section(raw, m.body, [], 'HEADER'), raw.toString());

  raw = fixture('bare-lf-lf.eml');
  m = parseMessage(raw);
  const [a, b] = m.body.parts ?? [];
  assert.equal(body(raw, a), 'line one\nline two');
  assert.equal(a.lines, 2);
  assert.equal(raw.toString('latin1', a.headerStart, a.bodyStart), 'Content-Type: text/plain\n\n');
  assert.equal(body(raw, b), 'SGVsbG8g4pyT');
  assert.equal(m.subject, 'bare LF');
  assert.equal(m.text, 'line one\nline two\nHello ✓');
});

test('multipart/digest parts default to message/rfc822 (RFC 2046 §5.1.5)', () => {
  const raw = fixture('digest.eml');
  const m = parseMessage(raw);
  const parts = m.body.parts ?? [];
  assert.deepEqual(parts.map((p) => `${p.type}/${p.subtype}`), ['message/rfc822', 'message/rfc822', 'text/plain']);
  assert.equal(raw.toString('latin1', parts[0].headerStart, parts[0].bodyStart), '\r\n');
  assert.equal(body(raw, parts[0]), crlf(['From: a@example.org', 'Subject: first', '', 'first body']));
  assert.equal(parts[0].envelope?.subject, 'first');
  assert.equal(parts[1].envelope?.subject, 'second');
  assert.equal(section(raw, m.body, [2, 1]), 'second body');
  assert.equal(m.text, 'first body\nsecond body\nfooter');
});

test('malformed MIME gives the structure a tolerant reader sees', () => {
  const raw = fixture('malformed.eml');
  const m = parseMessage(raw);
  const parts = m.body.parts ?? [];
  assert.equal(parts.length, 5);
  // an unterminated inner multipart ends at the outer delimiter
  const alt = parts[0];
  assert.equal(alt.subtype, 'alternative');
  assert.equal(body(raw, (alt.parts ?? [])[1]), '<b>html</b>');
  // no blank line: the body starts at the first line that is not a header field
  assert.equal(raw.toString('latin1', parts[1].headerStart, parts[1].bodyStart), 'Content-Type: text/plain\r\n');
  assert.equal(body(raw, parts[1]), 'no blank line here\r\nstill body');
  assert.equal(parts[1].lines, 2);
  // multipart without a boundary, and one whose boundary never occurs: text/plain
  for (const p of [parts[2], parts[3]]) {
    assert.equal(`${p.type}/${p.subtype}`, 'text/plain');
    assert.deepEqual(p.params, []);
    assert.equal(p.parts, undefined);
  }
  assert.equal(body(raw, parts[3]), 'no delimiters at all');
  // an invalid Content-Type is text/plain (RFC 2045 §5.2); the last part runs to the end
  assert.equal(`${parts[4].type}/${parts[4].subtype}`, 'text/plain');
  assert.deepEqual(parts[4].dispositionParams, [['filename', 'report final.txt']]);
  assert.equal(body(raw, parts[4]), 'last part, never closed\r\n');
  assert.equal(parts[4].bodyEnd, raw.length);
});

test('headerText: every field as "name: value", unfolded, RFC 2047-decoded, one per line, capped', () => {
  const raw = Buffer.from(crlf([
    'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus',
    'X-Custom: first line',
    '\tcontinued',
    'To: bob@example.com',
    '',
    'body text',
    '',
  ]));
  const m = parseMessage(raw);
  assert.equal(m.headerText, 'subject: Grüße aus\nx-custom: first line\tcontinued\nto: bob@example.com');
  assert.ok(!m.headerText.includes('body text'));
  assert.equal(parseMessage(Buffer.from('\r\njust a body\r\n')).headerText, '');
  const huge = Buffer.from(crlf([...Array.from({ length: 2000 }, (_, i) => `X-Filler-${i}: ${'x'.repeat(60)}`), '', 'b', '']));
  assert.equal(parseMessage(huge).headerText.length, 64 * 1024);
});

test('SEARCH BODY text: every alternative counts, each line once (RFC 9051 §6.4.4)', () => {
  const raw = Buffer.from(crlf([
    'Content-Type: multipart/alternative; boundary=b', '', '--b', 'Content-Type: text/plain', '',
    'Hello Ann,', 'the plan is attached.', '--b', 'Content-Type: text/html', '',
    '<p>Hello <b>Ann</b>,</p><p>the plan is attached.</p><p>View this mail in your browser</p>', '--b--', '',
  ]));
  assert.equal(parseMessage(raw).text, 'Hello Ann,\nthe plan is attached.\nView this mail in your browser');
});
