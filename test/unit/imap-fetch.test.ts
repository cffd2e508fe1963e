// FETCH response data (RFC 9051 §6.4.5, §7.5.2; RFC 3516), checked byte for byte against
// expectations written out by hand, on files that carry a per-recipient prefix before the
// original message (dataOffset), as the store writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../src/mime/parse-message.ts';
import { formatBodyStructure, formatEnvelope } from '../../src/mime/imap-format.ts';
import { FetchError, fetchItems, fetchNeedsContent, fetchSetsSeen, formatInternalDate } from '../../src/imap/fetch-response.ts';
import type { FetchRecord } from '../../src/imap/fetch-response.ts';
import type { FetchItem, Section } from '../../src/imap/ast.ts';
import { crlf, fixture } from '../fixtures/mime/load.ts';

const PREFIX = 'Return-Path: <alice@example.org>\r\nDelivered-To: bob@example.com\r\n';

/** A stored message; `loads` counts loadContent calls of the last fetchText. */
type Stored = { rec: FetchRecord; file: Buffer; loads: number };

function stored(msg: Buffer, prefix = PREFIX): Stored {
  const p = parseMessage(msg);
  const file = Buffer.concat([Buffer.from(prefix, 'latin1'), msg]);
  const rec: FetchRecord = {
    uid: 7, modSeq: 42, flags: ['\\Seen', '$Forwarded'], internalDate: new Date(Date.UTC(2025, 2, 3, 9, 15, 2)),
    size: file.length, envelope: p.envelope, body: p.body, dataOffset: Buffer.byteLength(prefix, 'latin1'),
  };
  return { rec, file, loads: 0 };
}

async function fetchText(s: Stored, items: FetchItem[], utf8 = false): Promise<string> {
  s.loads = 0;
  const chunks = await fetchItems(s.rec, items, {
    utf8,
    loadContent: async () => {
      s.loads++;
      return s.file;
    },
  });
  return Buffer.concat(chunks).toString('latin1');
}

const body = (section: Section, partial?: { offset: number; length: number }, peek = true): FetchItem =>
  partial === undefined ? { item: 'BODY[]', peek, section } : { item: 'BODY[]', peek, section, partial };
const lit = (s: string | Buffer): string => {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return `{${b.length}}\r\n${b.toString('latin1')}`;
};

test('index-only items, in the order asked, without reading the file', async () => {
  const s = stored(fixture('simple-text.eml'));
  const out = await fetchText(s, [{ item: 'UID' }, { item: 'FLAGS' }, { item: 'INTERNALDATE' }, { item: 'RFC822.SIZE' }, { item: 'MODSEQ' }]);
  assert.equal(out, `(UID 7 FLAGS (\\Seen $Forwarded) INTERNALDATE "03-Mar-2025 09:15:02 +0000" RFC822.SIZE ${s.file.length} MODSEQ (42))`);
  assert.equal(s.loads, 0);
  const env = await fetchText(s, [{ item: 'ENVELOPE' }, { item: 'BODY' }, { item: 'BODYSTRUCTURE' }]);
  assert.equal(env, `(ENVELOPE ${formatEnvelope(s.rec.envelope)} BODY ${formatBodyStructure(s.rec.body, false)} BODYSTRUCTURE ${formatBodyStructure(s.rec.body, true)})`);
  assert.equal(s.loads, 0);
  assert.equal(formatInternalDate(new Date(Date.UTC(1996, 6, 7, 2, 4, 5))), '"07-Jul-1996 02:04:05 +0000"');
});

test('BODY[], HEADER, TEXT and RFC822.*: the prefix belongs to the header, the file is read once', async () => {
  const s = stored(fixture('simple-text.eml'));
  const text = crlf(['Hi Bob,', '', 'Are you free for lunch on Friday?', '', 'Alice', '']);
  const headerLen = s.file.length - Buffer.byteLength(text);
  const header = s.file.subarray(0, headerLen).toString('latin1');
  assert.ok(header.startsWith(PREFIX + 'Return-Path: <alice@example.org>\r\nReceived:'));
  assert.ok(header.endsWith('MIME-Version: 1.0\r\n\r\n'));
  const out = await fetchText(s, [body({ part: [] }), body({ part: [], text: 'HEADER' }), body({ part: [], text: 'TEXT' })]);
  assert.equal(out, `(BODY[] ${lit(s.file)} BODY[HEADER] ${lit(header)} BODY[TEXT] ${lit(text)})`);
  assert.equal(s.loads, 1);
  const rfc = await fetchText(s, [{ item: 'RFC822.HEADER' }, { item: 'RFC822.TEXT' }, { item: 'RFC822' }]);
  assert.equal(rfc, `(RFC822.HEADER ${lit(header)} RFC822.TEXT ${lit(text)} RFC822 ${lit(s.file)})`);
});

test('HEADER.FIELDS: case-insensitive, folded lines kept, blank line at the end, names echoed upper-case', async () => {
  const s = stored(fixture('simple-text.eml'));
  const out = await fetchText(s, [body({ part: [], text: 'HEADER.FIELDS', fields: ['subject', 'Received', 'X-None'] })]);
  const expected = crlf([
    'Received: from mail.example.org (mail.example.org [192.0.2.1])',
    '\tby mx.example.com with ESMTPS id 4A1B2C3D',
    '\tfor <bob@example.com>; Mon, 3 Mar 2025 09:15:02 +0000',
    'Subject: Lunch on Friday?',
    '', '',
  ]);
  assert.equal(out, `(BODY[HEADER.FIELDS (SUBJECT RECEIVED X-NONE)] ${lit(expected)})`);
  // the prefix lines are header fields too
  const rp = await fetchText(s, [body({ part: [], text: 'HEADER.FIELDS', fields: ['return-path', 'delivered-to'] })]);
  assert.equal(rp, `(BODY[HEADER.FIELDS (RETURN-PATH DELIVERED-TO)] ${lit(PREFIX + 'Return-Path: <alice@example.org>\r\n\r\n')})`);
  const none = await fetchText(s, [body({ part: [], text: 'HEADER.FIELDS', fields: ['x-absent'] })]);
  assert.equal(none, '(BODY[HEADER.FIELDS (X-ABSENT)] {2}\r\n\r\n)');
  const not = await fetchText(s, [body({ part: [], text: 'HEADER.FIELDS.NOT', fields: ['received', 'return-path', 'delivered-to', 'date', 'message-id', 'mime-version'] })]);
  const rest = crlf(['From: Alice Example <alice@example.org>', 'To: Bob <bob@example.com>', 'Subject: Lunch on Friday?', '', '']);
  assert.equal(not, `(BODY[HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DELIVERED-TO DATE MESSAGE-ID MIME-VERSION)] ${lit(rest)})`);
});

test('partial fetches: <offset.length> echoes <offset>, past the end is ""', async () => {
  const s = stored(fixture('simple-text.eml'));
  const out = await fetchText(s, [body({ part: [] }, { offset: 0, length: 12 }), body({ part: [], text: 'TEXT' }, { offset: 3, length: 4 }), body({ part: [] }, { offset: 100000, length: 10 })]);
  assert.equal(out, `(BODY[]<0> ${lit('Return-Path:')} BODY[TEXT]<3> ${lit('Bob,')} BODY[]<100000> "")`);
  const long = await fetchText(s, [body({ part: [1] }, { offset: 3, length: 1000 })]);
  assert.equal(long, `(BODY[1]<3> ${lit(crlf(['Bob,', '', 'Are you free for lunch on Friday?', '', 'Alice', '']))})`);
});

test('nested message/rfc822: part numbers, HEADER/TEXT/MIME of the part, missing parts are ""', async () => {
  const s = stored(fixture('nested-rfc822.eml'));
  const items = [
    body({ part: [1] }),
    body({ part: [2, 1] }),
    body({ part: [2, 2] }),
    body({ part: [2], text: 'HEADER.FIELDS', fields: ['Subject'] }),
    body({ part: [2, 1], text: 'MIME' }),
    body({ part: [5] }),
    body({ part: [1], text: 'HEADER' }),
    body({ part: [2, 3] }),
  ];
  const out = await fetchText(s, items);
  assert.equal(
    out,
    `(BODY[1] ${lit('See the forwarded message.')} BODY[2.1] ${lit('The report is ready.')} BODY[2.2] ${lit('<p>The report is <b>ready</b>.</p>')} ` +
      `BODY[2.HEADER.FIELDS (SUBJECT)] ${lit('Subject: Report\r\n\r\n')} BODY[2.1.MIME] ${lit('Content-Type: text/plain; charset=utf-8\r\n\r\n')} ` +
      'BODY[5] "" BODY[1.HEADER] "" BODY[2.3] "")',
  );
  const hdr = await fetchText(s, [body({ part: [2], text: 'HEADER' }), body({ part: [2], text: 'TEXT' }, { offset: 0, length: 9 })]);
  const inner = crlf(['From: Eve <eve@example.org>', 'To: Carol <carol@example.net>', 'Subject: Report', 'Date: Fri, 14 Feb 2025 18:30:00 +0000',
    'Message-ID: <report-7@example.org>', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="inner"', '', '']);
  assert.equal(hdr, `(BODY[2.HEADER] ${lit(inner)} BODY[2.TEXT]<0> ${lit('--inner\r\n')})`);
  // BODY[2] is the whole encapsulated message: its header and its text
  const whole = await fetchText(s, [body({ part: [2] })]);
  assert.ok(whole.startsWith(`(BODY[2] {`) && whole.includes('}\r\nFrom: Eve') && whole.endsWith('--inner--\r\n)'));
});

test('BINARY: base64 decoded as literal8 when it holds NUL, quoted-printable decoded, BINARY.SIZE', async () => {
  const s = stored(fixture('mixed-attachments.eml'));
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
  const out = await fetchText(s, [{ item: 'BINARY[]', peek: true, part: [2] }, { item: 'BINARY.SIZE', part: [2] }, { item: 'BINARY.SIZE', part: [1] }]);
  assert.equal(out, `(BINARY[2] ~{${png.length}}\r\n${png.toString('latin1')} BINARY.SIZE[2] ${png.length} BINARY.SIZE[1] ${'See attached.'.length})`);
  const part = await fetchText(s, [{ item: 'BINARY[]', peek: false, part: [2], partial: { offset: 1, length: 3 } }, { item: 'BINARY[]', peek: true, part: [9] }]);
  assert.equal(part, '(BINARY[2]<1> {3}\r\nPNG BINARY[9] "")');
  const pdf = await fetchText(s, [{ item: 'BINARY[]', peek: true, part: [3] }, { item: 'BINARY[]', peek: true, part: [1] }]);
  assert.ok(pdf.startsWith('(BINARY[3] {') && pdf.includes('%PDF-1.4\n') && pdf.endsWith(' BINARY[1] {13}\r\nSee attached.)'));

  const qp = stored(fixture('alternative.eml'));
  const plain = Buffer.from('Bonjour à tous,\r\nLa réunion est à 15h.', 'utf8');
  const out2 = await fetchText(qp, [{ item: 'BINARY[]', peek: true, part: [1] }, { item: 'BINARY.SIZE', part: [1] }]);
  assert.equal(out2, `(BINARY[1] ${lit(plain)} BINARY.SIZE[1] ${plain.length})`);
});

test('NUL in a stored message goes out as 0x80 in a literal (RFC 9051 §4.3), as is in BINARY', async () => {
  const s = stored(Buffer.from('Subject: nul\r\n\r\na\u0000b\r\n', 'latin1'), '');
  assert.equal(await fetchText(s, [body({ part: [] })]), '(BODY[] {21}\r\nSubject: nul\r\n\r\na\u0080b\r\n)');
  assert.equal(await fetchText(s, [body({ part: [], text: 'TEXT' })]), '(BODY[TEXT] {5}\r\na\u0080b\r\n)');
  assert.equal(await fetchText(s, [{ item: 'BINARY[]', peek: true, part: [1] }]), '(BINARY[1] ~{5}\r\na\u0000b\r\n)');
  assert.ok(s.file.includes(0), 'the file itself is left alone');
});

test('BINARY of an unknown Content-Transfer-Encoding fails with UNKNOWN-CTE', async () => {
  const msg = Buffer.from(crlf(['Subject: x', 'Content-Transfer-Encoding: x-uuencode', '', 'begin 644 x', 'end', '']));
  const s = stored(msg, '');
  await assert.rejects(fetchText(s, [{ item: 'BINARY[]', peek: true, part: [1] }]), (e: unknown) => e instanceof FetchError && e.code === 'UNKNOWN-CTE');
  // BODY[1] is still the raw part
  assert.equal(await fetchText(s, [body({ part: [1] })]), `(BODY[1] ${lit('begin 644 x\r\nend\r\n')})`);
});

test('8-bit data is sent as literals; ENVELOPE with UTF-8 counts bytes', async () => {
  const msg = Buffer.from(crlf(['Subject: Grüße', '', 'Größe', '']), 'utf8');
  const s = stored(msg, '');
  const out = await fetchText(s, [{ item: 'ENVELOPE' }, body({ part: [], text: 'TEXT' })]);
  const subj = Buffer.from('Grüße', 'utf8');
  assert.equal(out, `(ENVELOPE (NIL {${subj.length}}\r\n${subj.toString('latin1')} NIL NIL NIL NIL NIL NIL NIL NIL) BODY[TEXT] ${lit(Buffer.from('Größe\r\n', 'utf8'))})`);
  const u = await fetchText(s, [{ item: 'ENVELOPE' }], true);
  assert.equal(u, `(ENVELOPE (NIL "${subj.toString('latin1')}" NIL NIL NIL NIL NIL NIL NIL NIL))`);
});

test('fetchNeedsContent and fetchSetsSeen', () => {
  assert.equal(fetchNeedsContent([{ item: 'UID' }, { item: 'FLAGS' }, { item: 'ENVELOPE' }, { item: 'BODYSTRUCTURE' }, { item: 'RFC822.SIZE' }]), false);
  assert.equal(fetchNeedsContent([{ item: 'UID' }, body({ part: [], text: 'HEADER' })]), true);
  assert.equal(fetchNeedsContent([{ item: 'RFC822.HEADER' }]), true);
  assert.equal(fetchNeedsContent([{ item: 'BINARY.SIZE', part: [1] }]), true);
  assert.equal(fetchSetsSeen([body({ part: [] })]), false);
  assert.equal(fetchSetsSeen([body({ part: [] }, undefined, false)]), true);
  assert.equal(fetchSetsSeen([{ item: 'BINARY[]', peek: false, part: [1] }]), true);
  assert.equal(fetchSetsSeen([{ item: 'BINARY[]', peek: true, part: [1] }]), false);
  assert.equal(fetchSetsSeen([{ item: 'RFC822' }]), true);
  assert.equal(fetchSetsSeen([{ item: 'RFC822.TEXT' }]), true);
  assert.equal(fetchSetsSeen([{ item: 'RFC822.HEADER' }, { item: 'BINARY.SIZE', part: [1] }]), false);
});
