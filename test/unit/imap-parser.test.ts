// Valid commands and their ASTs, mostly the examples of RFC 9051 §6 and of the extension RFCs.
// Message commands (FETCH, STORE, SEARCH) are in imap-parser-messages.test.ts.
import { test } from 'node:test';
import { parseLine } from '../harness/imap-parse.ts';
import assert from 'node:assert/strict';
import { parseSequenceSet, type SequenceSet } from '../../src/imap/seqset.ts';

const parse = parseLine;

const seq = (s: string): SequenceSet => parseSequenceSet(s, 100) as SequenceSet;
const cmd = (tag: string, name: string, args: object, uid = false) => ({ tag, name, uid, args });
const noList = {
  select: { subscribed: false, remote: false, recursiveMatch: false, specialUse: false },
  return: { subscribed: false, children: false, specialUse: false },
};

const VALID: [string, unknown][] = [
  // RFC 9051 §6.1–6.2: any state and not authenticated
  ['a001 CAPABILITY', cmd('a001', 'CAPABILITY', {})],
  ['a002 noop', cmd('a002', 'NOOP', {})],
  ['A023 LOGOUT', cmd('A023', 'LOGOUT', {})],
  ['a002 STARTTLS', cmd('a002', 'STARTTLS', {})],
  ['a001 LOGIN SMITH SESAME', cmd('a001', 'LOGIN', { username: 'SMITH', password: 'SESAME' })],
  ['a1 LOGIN "fred \\"the\\" user" {4}\r\np\u00e4s', cmd('a1', 'LOGIN', { username: 'fred "the" user', password: 'päs' })],
  ['a1 LOGIN ]tricky] ""', cmd('a1', 'LOGIN', { username: ']tricky]', password: '' })],
  ['A001 AUTHENTICATE GSSAPI', cmd('A001', 'AUTHENTICATE', { mechanism: 'GSSAPI' })],
  ['a004 AUTHENTICATE plain dGVzdAB0ZXN0AHRlc3Q=', cmd('a004', 'AUTHENTICATE', { mechanism: 'PLAIN', initialResponse: Buffer.from('test\0test\0test') })],
  ['a5 AUTHENTICATE EXTERNAL =', cmd('a5', 'AUTHENTICATE', { mechanism: 'EXTERNAL', initialResponse: Buffer.alloc(0) })],
  // RFC 9051 §6.3, RFC 5161, RFC 2971, RFC 4978, RFC 2177
  ['t1 ENABLE CONDSTORE qresync', cmd('t1', 'ENABLE', { capabilities: ['CONDSTORE', 'QRESYNC'] })],
  ['A1 ENABLE IMAP4rev2 UTF8=ACCEPT', cmd('A1', 'ENABLE', { capabilities: ['IMAP4REV2', 'UTF8=ACCEPT'] })],
  ['a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")',
    cmd('a023', 'ID', { params: [['name', 'sodr'], ['version', '19.34'], ['vendor', 'Pink Floyd Music Limited']] })],
  ['a024 ID NIL', cmd('a024', 'ID', { params: null })],
  ['a025 ID ("os" NIL)', cmd('a025', 'ID', { params: [['os', null]] })],
  ['a COMPRESS DEFLATE', cmd('a', 'COMPRESS', { algorithm: 'DEFLATE' })],
  ['A002 IDLE', cmd('A002', 'IDLE', {})],
  ['A003 NAMESPACE', cmd('A003', 'NAMESPACE', {})],
  // SELECT / EXAMINE, with RFC 7162 parameters
  ['A142 SELECT INBOX', cmd('A142', 'SELECT', { mailbox: 'INBOX', condstore: false })],
  ['A142 SELECT iNbOx', cmd('A142', 'SELECT', { mailbox: 'INBOX', condstore: false })],
  ['A932 EXAMINE blurdybloop', cmd('A932', 'EXAMINE', { mailbox: 'blurdybloop', condstore: false })],
  ['a103 SELECT INBOX (CONDSTORE)', cmd('a103', 'SELECT', { mailbox: 'INBOX', condstore: true })],
  ['A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))',
    cmd('A02', 'SELECT', { mailbox: 'INBOX', condstore: false, qresync: { uidValidity: 67890007, modseq: 20050715194045000n, knownUids: seq('41,43:211,214:541') } })],
  ['B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976:29997)))',
    cmd('B04', 'SELECT', { mailbox: 'INBOX', condstore: false, qresync: {
      uidValidity: 67890007, modseq: 90060115194045000n, knownUids: seq('1:29997'),
      seqMatch: { seqs: seq('5000,7500,9000,9990:9999'), uids: seq('15000,22500,27000,29970,29973,29976:29997') } } })],
  ['x SELECT a (QRESYNC (1 9223372036854775807 (1 2)) CONDSTORE)',
    cmd('x', 'SELECT', { mailbox: 'a', condstore: true, qresync: { uidValidity: 1, modseq: 9223372036854775807n, seqMatch: { seqs: seq('1'), uids: seq('2') } } })],
  // Mailbox management; names in modified UTF-7 (RFC 3501 §5.1.3)
  ['A003 CREATE owatagu/', cmd('A003', 'CREATE', { mailbox: 'owatagu/' })],
  ['A004 CREATE &ZeVnLIqe-', cmd('A004', 'CREATE', { mailbox: '日本語' })],
  ['A005 CREATE "~peter/mail/&U,BTFw-/&ZeVnLIqe-"', cmd('A005', 'CREATE', { mailbox: '~peter/mail/台北/日本語' })],
  ['A006 CREATE "R&-D"', cmd('A006', 'CREATE', { mailbox: 'R&D' })],
  ['t1 CREATE "Everything" (USE (\\All))', cmd('t1', 'CREATE', { mailbox: 'Everything', specialUse: ['\\All'] })],
  ['t2 CREATE Junk (use (\\junk \\X-Spam))', cmd('t2', 'CREATE', { mailbox: 'Junk', specialUse: ['\\Junk', '\\X-Spam'] })],
  ['A683 DELETE blurdybloop', cmd('A683', 'DELETE', { mailbox: 'blurdybloop' })],
  ['A683 RENAME blurdybloop sarasoop', cmd('A683', 'RENAME', { from: 'blurdybloop', to: 'sarasoop' })],
  ['A002 SUBSCRIBE #news.comp.mail.mime', cmd('A002', 'SUBSCRIBE', { mailbox: '#news.comp.mail.mime' })],
  ['A002 UNSUBSCRIBE {5}\r\ninbox', cmd('A002', 'UNSUBSCRIBE', { mailbox: 'INBOX' })],
  ['A003 GETQUOTAROOT INBOX', cmd('A003', 'GETQUOTAROOT', { mailbox: 'INBOX' })],
  // LIST (RFC 9051 §6.3.9, RFC 5258, RFC 5819, RFC 6154) and LSUB (RFC 3501)
  ['A101 LIST "" ""', cmd('A101', 'LIST', { reference: '', patterns: [''], extended: false, ...noList })],
  ['A202 LIST ~/Mail/ %', cmd('A202', 'LIST', { reference: '~/Mail/', patterns: ['%'], extended: false, ...noList })],
  ['A203 LIST "" *]x', cmd('A203', 'LIST', { reference: '', patterns: ['*]x'], extended: false, ...noList })],
  ['A01 LIST "" ("INBOX" "Drafts" "Sent/%")', cmd('A01', 'LIST', { reference: '', patterns: ['INBOX', 'Drafts', 'Sent/%'], extended: true, ...noList })],
  ['A04 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)', cmd('A04', 'LIST', {
    reference: '', patterns: ['%'], extended: true,
    select: { subscribed: true, remote: false, recursiveMatch: true, specialUse: false },
    return: { subscribed: false, children: true, specialUse: false } })],
  ['t3 LIST (SPECIAL-USE REMOTE) "" "*" RETURN (SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))', cmd('t3', 'LIST', {
    reference: '', patterns: ['*'], extended: true,
    select: { subscribed: false, remote: true, recursiveMatch: false, specialUse: true },
    return: { subscribed: true, children: false, specialUse: true, status: ['MESSAGES', 'UNSEEN'] } })],
  ['A03 LIST () "" "%" RETURN ()', cmd('A03', 'LIST', { reference: '', patterns: ['%'], extended: true, ...noList })],
  ['a002 LSUB "#news." "comp.mail.*"', cmd('a002', 'LSUB', { reference: '#news.', pattern: 'comp.mail.*' })],
  // STATUS (RFC 9051 §6.3.11, RFC 3501 RECENT, RFC 7162, RFC 8438, RFC 9208)
  ['A042 STATUS blurdybloop (UIDNEXT MESSAGES)', cmd('A042', 'STATUS', { mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES'] })],
  ['A043 STATUS INBOX (recent size highestmodseq deleted-storage appendlimit mailboxid)',
    cmd('A043', 'STATUS', { mailbox: 'INBOX', items: ['RECENT', 'SIZE', 'HIGHESTMODSEQ', 'DELETED-STORAGE', 'APPENDLIMIT', 'MAILBOXID'] })],
  // Selected state without arguments, and UID EXPUNGE (RFC 4315)
  ['FXXZ CHECK', cmd('FXXZ', 'CHECK', {})],
  ['A341 CLOSE', cmd('A341', 'CLOSE', {})],
  ['A342 UNSELECT', cmd('A342', 'UNSELECT', {})],
  ['A202 EXPUNGE', cmd('A202', 'EXPUNGE', {})],
  ['A202 UID EXPUNGE 3000:3002', cmd('A202', 'EXPUNGE', { set: seq('3000:3002') }, true)],
  ['A003 COPY 2:4 MEETING', cmd('A003', 'COPY', { set: seq('2:4'), mailbox: 'MEETING' })],
  ['a UID MOVE 42:69 foo', cmd('a', 'MOVE', { set: seq('42:69'), mailbox: 'foo' }, true)],
  // QUOTA (RFC 9208 §4)
  ['A003 GETQUOTA ""', cmd('A003', 'GETQUOTA', { root: '' })],
  ['S0000 SETQUOTA "#user/alice" (STORAGE 510 message 10)', cmd('S0000', 'SETQUOTA', { root: '#user/alice', resources: [{ name: 'STORAGE', limit: 510 }, { name: 'MESSAGE', limit: 10 }] })],
  ['S0001 SETQUOTA "" ()', cmd('S0001', 'SETQUOTA', { root: '', resources: [] })],
];

test('valid commands parse to their AST', () => {
  for (const [text, expected] of VALID) assert.deepStrictEqual(parse(text), expected, text);
});

test('after ENABLE UTF8=ACCEPT names are UTF-8 and "&" is plain (RFC 6855 §3)', () => {
  assert.deepStrictEqual(parse('a CREATE "Entwürfe & Co"', { utf8: true }), cmd('a', 'CREATE', { mailbox: 'Entwürfe & Co' }));
  // The same name from an IMAP4rev1 client, in modified UTF-7:
  assert.deepStrictEqual(parse('a CREATE "Entw&APw-rfe &- Co"'), cmd('a', 'CREATE', { mailbox: 'Entwürfe & Co' }));
  // Denormalised UTF-8 (u + combining diaeresis) names the same mailbox (RFC 9051 §5.1).
  assert.deepStrictEqual(parse('a SELECT "Entwu\u0308rfe"', { utf8: true }), cmd('a', 'SELECT', { mailbox: 'Entwürfe', condstore: false }));
});

test('APPEND: flags, date-time, literal (RFC 9051 §6.3.12) and MULTIAPPEND (RFC 3502)', () => {
  const msg1 = 'Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nHello Joe\r\n';
  const msg2 = 'Subject: hmm\r\n\r\n3:30 is fine\r\n';
  const text = `A003 APPEND saved-messages (\\Seen) {${msg1.length}}\r\n${msg1} (\\seen $Forwarded) " 7-Feb-1994 22:43:04 -0800" {${msg2.length}+}\r\n${msg2}`;
  assert.deepStrictEqual(parse(text), cmd('A003', 'APPEND', { mailbox: 'saved-messages', messages: [
    { flags: ['\\Seen'], data: Buffer.from(msg1), binary: false, utf8: false },
    { flags: ['\\Seen', '$Forwarded'], data: Buffer.from(msg2), binary: false, utf8: false, date: new Date('1994-02-08T06:43:04Z') },
  ] }));
  assert.deepStrictEqual(parse('a APPEND INBOX "07-Feb-1994 22:43:04 +0130" ~{3}\r\na\0b'), cmd('a', 'APPEND', { mailbox: 'INBOX', messages: [
    { flags: [], data: Buffer.from('a\0b'), binary: true, utf8: false, date: new Date('1994-02-07T21:13:04Z') },
  ] }));
  // RFC 6855 §4: UTF8 (literal8)
  assert.deepStrictEqual(parse('a APPEND INBOX () UTF8 (~{3+}\r\nH\u00e9)'), cmd('a', 'APPEND', { mailbox: 'INBOX', messages: [
    { flags: [], data: Buffer.from('H\u00e9'), binary: true, utf8: true },
  ] }));
});
