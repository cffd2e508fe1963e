// Parser of the issue-5 commands: UNAUTHENTICATE, REPLACE, GETMETADATA, SETMETADATA, COMPRESS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLine } from '../harness/imap-parse.ts';

const args = (line: string): unknown => (parseLine(line) as { args?: unknown }).args;
const error = (line: string): string | undefined => (parseLine(line) as { error?: string }).error;

test('UNAUTHENTICATE and COMPRESS', () => {
  assert.deepEqual(args('a UNAUTHENTICATE'), {});
  assert.deepEqual(args('a COMPRESS deflate'), { algorithm: 'DEFLATE' });
  assert.equal(error('a UNAUTHENTICATE now'), 'BAD');
});

test('REPLACE and UID REPLACE (RFC 8508 §6)', () => {
  const r = parseLine('a UID REPLACE 42 Drafts (\\Draft) "01-Jan-2026 10:00:00 +0000" {3}\r\nabc') as { uid: boolean; args: { target: number; mailbox: string; message: { flags: string[]; data: Buffer; date?: Date } } };
  assert.equal(r.uid, true);
  assert.equal(r.args.target, 42);
  assert.equal(r.args.mailbox, 'Drafts');
  assert.deepEqual(r.args.message.flags, ['\\Draft']);
  assert.equal(r.args.message.data.toString(), 'abc');
  assert.equal(r.args.message.date?.toISOString(), '2026-01-01T10:00:00.000Z');
  assert.equal((args('a REPLACE * INBOX {1}\r\nx') as { target: number }).target, 0);
  assert.equal(error('a REPLACE 0 INBOX {1}\r\nx'), 'BAD');
  assert.equal(error('a REPLACE 1 INBOX'), 'BAD');
  assert.equal(error('a REPLACE 1 INBOX {1}\r\nx {1}\r\ny'), 'BAD', 'one message only');
});

test('GETMETADATA: options before the mailbox (ABNF) or after it (the RFC examples)', () => {
  const want = { mailbox: 'INBOX', maxSize: 1024, depth: 'infinity', entries: ['/shared/comment', '/private/comment'] };
  assert.deepEqual(args('a GETMETADATA (MAXSIZE 1024 DEPTH infinity) INBOX (/shared/comment /private/comment)'), want);
  assert.deepEqual(args('a GETMETADATA INBOX (MAXSIZE 1024 DEPTH INFINITY) (/Shared/Comment /private/comment)'), want);
  assert.deepEqual(args('a GETMETADATA "" /shared/comment'), { mailbox: '', depth: 0, entries: ['/shared/comment'] });
  assert.deepEqual(args('a GETMETADATA "" (DEPTH 1) /private'), { mailbox: '', depth: 1, entries: ['/private'] });
  for (const bad of ['/comment', '/shared//x', '/shared/x/', '/shared/*', '/private/%', 'shared/x', '/shared/\u00e9']) {
    assert.equal(error(`a GETMETADATA INBOX "${bad}"`), 'BAD', bad);
  }
  assert.equal(error('a GETMETADATA (DEPTH 2) INBOX /private/x'), 'BAD');
  assert.equal(error('a GETMETADATA (DEPTH 1) INBOX (DEPTH 0) /private/x'), 'BAD');
});

test('SETMETADATA: nstring and literal8 values, NIL removes, a name once', () => {
  assert.deepEqual(args('a SETMETADATA INBOX (/private/comment "hi" /shared/x NIL /shared/y ~{2}\r\n\0\u0001)'), {
    mailbox: 'INBOX',
    entries: [
      { name: '/private/comment', value: Buffer.from('hi') },
      { name: '/shared/x', value: null },
      { name: '/shared/y', value: Buffer.from([0, 1]) },
    ],
  });
  assert.equal(error('a SETMETADATA INBOX (/private/a "1" /Private/A "2")'), 'BAD');
  assert.equal(error('a SETMETADATA INBOX (/private "1")'), 'BAD');
  assert.equal(error('a SETMETADATA INBOX ()'), 'BAD');
});

test('APPEND CATENATE and the URLAUTH commands', () => {
  const a = args('a APPEND Drafts (\\Seen) CATENATE (TEXT {2+}\r\nhi URL "/INBOX/;UID=3" URL x)') as { messages: { catenate: unknown[]; flags: string[] }[] };
  assert.deepEqual(a.messages[0].flags, ['\\Seen']);
  assert.deepEqual(a.messages[0].catenate, [{ text: Buffer.from('hi') }, { url: '/INBOX/;UID=3' }, { url: 'x' }]);
  assert.equal(error('a APPEND Drafts CATENATE ()'), 'BAD');
  assert.equal(error('a APPEND Drafts CATENATE (FILE "x")'), 'BAD');
  assert.deepEqual(args('a GENURLAUTH "imap://a@h/INBOX/;UID=1;URLAUTH=authuser" internal'), { urls: [{ url: 'imap://a@h/INBOX/;UID=1;URLAUTH=authuser', mechanism: 'INTERNAL' }] });
  assert.equal(error('a GENURLAUTH "imap://a@h/INBOX/;UID=1;URLAUTH=authuser"'), 'BAD');
  assert.deepEqual(args('a RESETKEY'), { mechanisms: [] });
  assert.deepEqual(args('a RESETKEY INBOX INTERNAL'), { mailbox: 'INBOX', mechanisms: ['INTERNAL'] });
  assert.deepEqual(args('a URLFETCH "u1" ("u2" BINARY bodypartstructure) ("u3")'), {
    urls: [{ url: 'u1' }, { url: 'u2', params: ['BINARY', 'BODYPARTSTRUCTURE'] }, { url: 'u3', params: [] }],
  });
  assert.equal(error('a URLFETCH ("u" BINARY BODY)'), 'BAD');
  assert.equal(error('a URLFETCH ("u" BINARY BINARY)'), 'BAD');
});
