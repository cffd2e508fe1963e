// IMAP URLs (RFC 5092) as CATENATE and URLAUTH read them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImapUrl } from '../../src/imap/imap-url.ts';

test('absolute URLs with user, UIDVALIDITY, section, partial and URLAUTH (RFC 4467 §3 example)', () => {
  const text = 'imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038';
  const u = parseImapUrl(text)!;
  assert.deepEqual(u.server, { user: 'joe', host: 'example.com' });
  assert.equal(u.mailbox, 'INBOX');
  assert.equal(u.uid, 20);
  assert.deepEqual(u.section, { part: [1, 2] });
  assert.deepEqual(u.urlauth, {
    access: 'submit+fred',
    rump: 'imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred',
    mechanism: 'INTERNAL',
    token: '91354a473744909de610943775f92038',
  });
  const v = parseImapUrl('imap://ann%40u.test;AUTH=*@MX.example:143/Lists/%C3%A9t%C3%A9;UIDVALIDITY=7/;UID=3/;SECTION=1.MIME/;PARTIAL=10.20;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=user+bob%40u.test')!;
  assert.deepEqual(v.server, { user: 'ann@u.test', host: 'mx.example' });
  assert.equal(v.mailbox, 'Lists/été');
  assert.equal(v.uidValidity, 7);
  assert.deepEqual(v.section, { part: [1], text: 'MIME' });
  assert.deepEqual(v.partial, { offset: 10, length: 20 });
  assert.equal(v.urlauth?.access, 'user+bob@u.test');
  assert.equal(v.urlauth?.expire?.toISOString(), '2030-01-01T00:00:00.000Z');
  assert.equal(v.urlauth?.token, undefined);
});

test('relative URLs and sections', () => {
  assert.deepEqual(parseImapUrl('/inbox/;UID=1'), { mailbox: 'INBOX', uid: 1 });
  assert.deepEqual(parseImapUrl('/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT%20FROM)')?.section, { part: [], text: 'HEADER.FIELDS', fields: ['SUBJECT', 'FROM'] });
  assert.deepEqual(parseImapUrl('/INBOX/;UID=1/;SECTION=2.TEXT')?.section, { part: [2], text: 'TEXT' });
});

test('what is not an IMAP message URL', () => {
  for (const bad of [
    'http://example.com/INBOX/;UID=1', 'INBOX/;UID=1', '/INBOX', '/INBOX/;UID=0', '/INBOX/;UID=1/;SECTION=MIME',
    '/INBOX/;UID=1/;SECTION=x', '/%ZZ/;UID=1', '/%FF/;UID=1', '/INBOX/;UID=1;URLAUTH=root', '/INBOX/;UID=1;EXPIRE=tomorrow;URLAUTH=anonymous',
    '/INBOX/;UID=1 ', '/INBOX/;UID=1\u00e9', 'x'.repeat(5000),
  ]) {
    assert.equal(parseImapUrl(bad), undefined, bad);
  }
});
