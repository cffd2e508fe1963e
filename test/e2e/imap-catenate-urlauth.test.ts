// CATENATE (RFC 4469), URLAUTH (RFC 4467) and URLAUTH=BINARY (RFC 5524) on the wire: messages
// built from text and URLs of stored parts, URLs signed by one user and fetched by another,
// revoked keys, tampered tokens, and the size limits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Wire } from '../harness/imap-wire.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const HOST = 'mx.test.example';
const SOURCE = [
  'From: ann@u.test',
  'Subject: with attachment',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  'The first part.',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from([0, 1, 2, 255, 0x41]).toString('base64'),
  '--b--',
  '',
].join('\r\n');

const lit = (s: string): string => `{${Buffer.byteLength(s)}+}\r\n${s}`;

async function login(t: TestServer, user: string): Promise<Wire> {
  const w = await Wire.open(t.imapPort);
  await w.cmd('l', `LOGIN ${user} secret`);
  return w;
}

describe('IMAP CATENATE and URLAUTH', () => {
  let t: TestServer;
  let ann: Wire;
  let uidValidity = 0;
  before(async () => {
    t = await startTestServer({ imap_limits: { append_limit: 4096 } });
    await t.addDomain('u.test');
    for (const u of ['ann', 'bob', 'cid']) await t.addUser(`${u}@u.test`);
    ann = await login(t, 'ann@u.test');
    const r = await ann.cmd('a1', `APPEND INBOX ${lit(SOURCE)}`);
    uidValidity = Number(/APPENDUID (\d+) 1\]/.exec(r)![1]);
  });
  after(async () => {
    ann.close();
    await t.stop();
  });

  const base = (): string => `imap://ann%40u.test@${HOST}/INBOX;UIDVALIDITY=${uidValidity}/;UID=1`;

  it('advertises CATENATE, URLAUTH and URLAUTH=BINARY after login', async () => {
    const caps = await ann.cmd('c1', 'CAPABILITY');
    for (const c of ['CATENATE', 'URLAUTH', 'URLAUTH=BINARY']) assert.match(caps, new RegExp(` ${c}( |\\r)`), c);
  });

  it('CATENATE joins TEXT literals and the parts URLs name, relative or absolute', async () => {
    const head = 'From: ann@u.test\r\nSubject: forward\r\n\r\n';
    const r = await ann.cmd('c2', `APPEND Drafts (\\Draft) CATENATE (TEXT ${lit(head)} URL "/INBOX/;UID=1/;SECTION=1" TEXT ${lit('\r\n--\r\n')} URL "${base()}/;SECTION=HEADER.FIELDS%20(SUBJECT)")`);
    assert.match(r, /c2 OK \[APPENDUID \d+ 1\]/);
    await ann.cmd('c3', 'SELECT Drafts');
    const body = await ann.cmd('c4', 'FETCH 1 BODY.PEEK[]');
    const expected = head + 'The first part.' + '\r\n--\r\n' + 'Subject: with attachment\r\n\r\n';
    assert.ok(body.includes(`{${expected.length}}\r\n${expected})`), body);
    await ann.cmd('c5', 'CLOSE');
  });

  it('CATENATE refuses URLs it cannot resolve with BADURL, and a result over APPENDLIMIT with TOOBIG', async () => {
    assert.match(await ann.cmd('d1', 'APPEND Drafts CATENATE (URL "/INBOX/;UID=99")'), /d1 NO \[BADURL \/INBOX\/;UID=99\]/);
    assert.match(await ann.cmd('d2', 'APPEND Drafts CATENATE (URL "/INBOX;UIDVALIDITY=1/;UID=1")'), /d2 NO \[BADURL/);
    assert.match(await ann.cmd('d3', 'APPEND Drafts CATENATE (URL "/INBOX/;UID=1/;SECTION=9")'), /d3 NO \[BADURL/);
    assert.match(await ann.cmd('d4', 'APPEND Drafts CATENATE (URL "http://example.com/")'), /d4 NO \[BADURL/);
    const many = Array.from({ length: 20 }, () => 'URL "/INBOX/;UID=1"').join(' ');
    assert.match(await ann.cmd('d5', `APPEND Drafts CATENATE (${many})`), /d5 NO \[TOOBIG\]/);
    // Another user's message is out of reach without URLAUTH.
    const bob = await login(t, 'bob@u.test');
    assert.match(await bob.cmd('d6', `APPEND INBOX CATENATE (URL "${base()}")`), /d6 NO \[BADURL/);
    bob.close();
  });

  it('GENURLAUTH signs, another user URLFETCHes, RESETKEY revokes', async () => {
    const rump = `${base()}/;SECTION=1;URLAUTH=authuser`;
    const gen = await ann.cmd('e1', `GENURLAUTH "${rump}" INTERNAL`);
    const signed = /\* GENURLAUTH "([^"]+)"/.exec(gen)![1];
    assert.match(signed, new RegExp(`^${rump.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:internal:[0-9a-f]{64}$`));
    const bob = await login(t, 'bob@u.test');
    assert.match(await bob.cmd('e2', `URLFETCH "${signed}"`), /\* URLFETCH "[^"]+" \{15\}\r\nThe first part\.\r\ne2 OK/);
    // A tampered token or URL is NIL, not an error.
    const tampered = signed.slice(0, -1) + (signed.endsWith('0') ? '1' : '0');
    assert.match(await bob.cmd('e3', `URLFETCH "${tampered}" "${signed.replace('SECTION=1', 'SECTION=2')}"`), /\* URLFETCH "[^"]+" NIL "[^"]+" NIL\r\n/);
    // And CATENATE takes an authorized URL of someone else's message.
    assert.match(await bob.cmd('e4', `APPEND INBOX CATENATE (TEXT ${lit('Subject: fwd\r\n\r\n')} URL "${signed}")`), /e4 OK \[APPENDUID/);
    await ann.cmd('e5', 'RESETKEY INBOX');
    assert.match(await bob.cmd('e6', `URLFETCH "${signed}"`), /\* URLFETCH "[^"]+" NIL\r\n/);
    bob.close();
  });

  it('access identifiers: user+ only for that user, anonymous for all, submit+ for no IMAP session', async () => {
    const sign = async (access: string): Promise<string> => /\* GENURLAUTH "([^"]+)"/.exec(await ann.cmd('f', `GENURLAUTH "${base()}/;SECTION=1;URLAUTH=${access}" INTERNAL`))![1];
    const forBob = await sign('user+bob%40u.test');
    const anon = await sign('anonymous');
    const submit = await sign('submit+ann%40u.test');
    const bob = await login(t, 'bob@u.test');
    const cid = await login(t, 'cid@u.test');
    assert.match(await bob.cmd('f1', `URLFETCH "${forBob}"`), /\{15\}/);
    assert.match(await cid.cmd('f2', `URLFETCH "${forBob}" "${anon}" "${submit}"`), /\* URLFETCH "[^"]+" NIL "[^"]+" \{15\}\r\nThe first part\. "[^"]+" NIL\r\n/);
    bob.close();
    cid.close();
  });

  it('URLAUTH=BINARY: BODYPARTSTRUCTURE and the decoded part, literal8 for NUL', async () => {
    const url = /\* GENURLAUTH "([^"]+)"/.exec(await ann.cmd('g1', `GENURLAUTH "${base()}/;SECTION=2;URLAUTH=authuser" INTERNAL`))![1];
    const bob = await login(t, 'bob@u.test');
    const r = await bob.cmd('g2', `URLFETCH ("${url}" BODYPARTSTRUCTURE BINARY) ("${url}" BODY)`);
    // eslint-disable-next-line no-control-regex -- the decoded part holds NUL and control bytes
    assert.match(r, /\(BODYPARTSTRUCTURE \("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BINARY" 5\)\) \(BINARY ~\{5\}\r\n\x00\x01\x02\xff\x41\)/i);
    assert.match(r, /\(BODY "AAEC\/0E="\)/);
    bob.close();
  });

  it('refuses what it will not sign', async () => {
    assert.match(await ann.cmd('h1', `GENURLAUTH "${base()}" INTERNAL`), /h1 BAD/, 'no URLAUTH component');
    assert.match(await ann.cmd('h2', `GENURLAUTH "${base()};URLAUTH=authuser" FOO`), /h2 BAD/);
    assert.match(await ann.cmd('h3', `GENURLAUTH "imap://bob%40u.test@${HOST}/INBOX/;UID=1;URLAUTH=authuser" INTERNAL`), /h3 BAD/);
    assert.match(await ann.cmd('h4', `GENURLAUTH "imap://ann%40u.test@elsewhere.example/INBOX/;UID=1;URLAUTH=authuser" INTERNAL`), /h4 BAD/);
    assert.match(await ann.cmd('h5', `GENURLAUTH "${base()};EXPIRE=2001-01-01T00:00:00Z;URLAUTH=authuser" INTERNAL`), /h5 BAD/);
    assert.match(await ann.cmd('h6', `GENURLAUTH "imap://ann%40u.test@${HOST}/Nowhere/;UID=1;URLAUTH=authuser" INTERNAL`), /h6 NO/);
    assert.match(await ann.cmd('h7', 'RESETKEY'), /h7 OK/);
    assert.match(await ann.cmd('h8', 'RESETKEY Nowhere'), /h8 NO \[NONEXISTENT\]/);
  });
});
