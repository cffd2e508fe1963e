// Exact bytes on the wire, where client libraries would hide the behaviour: when untagged
// EXPUNGE may be sent (RFC 9051 §7.5.1), STARTTLS command injection, LOGINDISABLED off
// loopback, the bad-command limit, and rev2 after ENABLE.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { RawLines } from '../harness/raw-lines.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

/** A raw connection and the server's greeting line. */
async function open(port: number, host?: string): Promise<{ c: RawLines; greeting: string }> {
  const c = await RawLines.connect(port, { host });
  return { c, greeting: await c.until(/\r\n/) };
}

async function login(port: number, user = 'lee@raw.test'): Promise<RawLines> {
  const { c } = await open(port);
  assert.match(await c.cmd('L', `LOGIN ${user} secret`), /L OK/);
  return c;
}

describe('IMAP on the wire', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ imap: { host: '0.0.0.0' } });
    await t.addDomain('raw.test');
    await t.addUser('lee@raw.test');
    await t.addUser('quo@raw.test', { quota: 1000 });
    await t.addUser('rec@raw.test');
    await t.addUser('sub@raw.test');
    await t.addUser('lf@raw.test');
    await t.addUser('kw@raw.test');
    await t.addUser('nm@raw.test');
  });
  after(() => t.stop());

  it('sends EXPUNGE of another session not during FETCH, STORE or SEARCH, but after NOOP', async () => {
    const a = await login(t.imapPort);
    for (const s of ['one', 'two', 'three']) {
      const msg = `Subject: ${s}\r\n\r\nx\r\n`;
      assert.match(await a.cmd('A', `APPEND INBOX {${msg.length}+}\r\n${msg}`), /A OK \[APPENDUID \d+ \d+\]/);
    }
    assert.match(await a.cmd('S', 'SELECT INBOX'), /\* 3 EXISTS[\s\S]*S OK \[READ-WRITE\]/);
    const b = await login(t.imapPort);
    await b.cmd('S', 'SELECT INBOX');
    assert.match(await b.cmd('D', 'STORE 2 +FLAGS.SILENT (\\Deleted)'), /D OK/);
    assert.match(await b.cmd('E', 'EXPUNGE'), /\* 2 EXPUNGE\r\nE OK/);
    const fetch = await a.cmd('F', 'FETCH 1:3 (UID FLAGS)');
    assert.doesNotMatch(fetch, /\* \d+ EXPUNGE/);
    assert.match(fetch, /F OK \[EXPUNGEISSUED\]/);
    // a was the first to select INBOX after the APPENDs: the messages are \Recent for a only.
    assert.match(fetch, /\* 1 FETCH \(UID 1 FLAGS \(\\Recent\)\)/);
    assert.match(fetch, /\* 3 FETCH \(UID 3 FLAGS \(\\Recent\)\)/);
    assert.doesNotMatch(await a.cmd('G', 'SEARCH ALL'), /\* \d+ EXPUNGE/);
    // Only expunged messages asked for: a tagged NO alone (RFC 2180 §4.1.3, §4.2.2); some: OK.
    assert.match(await a.cmd('F3', 'FETCH 2 (FLAGS)'), /^F3 NO \[EXPUNGEISSUED\]/);
    assert.match(await a.cmd('F4', 'FETCH 2 (BODY.PEEK[])'), /^F4 NO \[EXPUNGEISSUED\]/);
    assert.match(await a.cmd('T1', 'STORE 2 +FLAGS (\\Answered)'), /^T1 NO \[EXPUNGEISSUED\]/);
    assert.match(await a.cmd('T2', 'STORE 2:3 +FLAGS (\\Answered)'), /^\* 3 FETCH \(FLAGS \(\\Answered \\Recent\)\)\r\nT2 OK \[EXPUNGEISSUED\]/);
    // The expunged message was \Recent here: the count follows (RFC 3501 §7.3.2).
    assert.match(await a.cmd('N', 'NOOP'), /\* 2 EXPUNGE\r\n\* 2 RECENT\r\nN OK/);
    assert.match(await a.cmd('F2', 'FETCH 2 (UID)'), /\* 2 FETCH \(UID 3\)/);
    // A flag change by b reaches a as an untagged FETCH.
    await b.cmd('F', 'STORE 1 +FLAGS (\\Flagged)');
    assert.match(await a.cmd('N2', 'NOOP'), /\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Recent\)\)/);
    a.close();
    b.close();
  });

  it('discards commands pipelined behind STARTTLS', async () => {
    const { c } = await open(t.imapPort);
    c.write('T STARTTLS\r\nX LOGIN lee@raw.test secret\r\n');
    assert.match(await c.until(/T OK [^\r]*\r\n/), /T OK/);
    await c.startTls();
    // Had X been run, its answer would come now; instead the session waits for us.
    assert.match(await c.cmd('C', 'CAPABILITY'), /^\* CAPABILITY [^\r]*AUTH=PLAIN[^\r]*\r\nC OK/);
    assert.match(await c.cmd('S', 'SELECT INBOX'), /S BAD/, 'not logged in');
    c.close();
  });

  it('advertises LOGINDISABLED and refuses LOGIN on a non-loopback connection without TLS', async (ctx) => {
    const ip = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!ip) return ctx.skip('no non-loopback IPv4 address');
    const { c, greeting } = await open(t.imapPort, ip);
    assert.match(greeting, /LOGINDISABLED/);
    assert.doesNotMatch(greeting, /AUTH=/);
    assert.match(await c.cmd('L', 'LOGIN lee@raw.test secret'), /L NO \[PRIVACYREQUIRED\]/);
    assert.match(await c.cmd('A', 'AUTHENTICATE PLAIN AGxlZUByYXcudGVzdABzZWNyZXQ='), /A NO/);
    await c.cmd('T', 'STARTTLS');
    await c.startTls();
    const caps = await c.cmd('C', 'CAPABILITY');
    assert.match(caps, /AUTH=PLAIN/);
    assert.doesNotMatch(caps, /LOGINDISABLED/);
    assert.match(await c.cmd('L', 'LOGIN lee@raw.test secret'), /L OK/);
    c.close();
  });

  it('authenticates with AUTHENTICATE PLAIN, with and without SASL-IR', async () => {
    const { c } = await open(t.imapPort);
    const plain = Buffer.from('\0lee@raw.test\0secret').toString('base64');
    c.write('A AUTHENTICATE PLAIN\r\n');
    assert.match(await c.until(/\+ ?\r\n/), /^\+/);
    c.write(plain + '\r\n');
    assert.match(await c.until(/A (OK|NO|BAD)[^\r]*\r\n/), /A OK/);
    c.close();
    const { c: d } = await open(t.imapPort);
    assert.match(await d.cmd('B', `AUTHENTICATE PLAIN ${plain}`), /B OK \[CAPABILITY [^\]]*UIDPLUS/);
    d.close();
  });

  it('answers ENABLE IMAP4rev2 and then speaks rev2: ESEARCH, no RECENT, LIST in SELECT', async () => {
    const c = await login(t.imapPort);
    assert.match(await c.cmd('E', 'ENABLE IMAP4rev2'), /\* ENABLED IMAP4rev2\r\nE OK/);
    const sel = await c.cmd('S', 'SELECT INBOX');
    assert.doesNotMatch(sel, /RECENT/);
    assert.match(sel, /\* LIST \(\) "\/" INBOX/);
    assert.match(await c.cmd('Q', 'UID SEARCH ALL'), /\* ESEARCH \(TAG "Q"\) UID ALL \d/);
    assert.match(await c.cmd('R', 'SEARCH RETURN (MIN COUNT) ALL'), /\* ESEARCH \(TAG "R"\) MIN 1 COUNT \d+/);
    c.close();
  });

  it('EXAMINE is read-only: BODY[] leaves \\Seen alone and STORE is refused', async () => {
    const c = await login(t.imapPort);
    assert.match(await c.cmd('E', 'EXAMINE INBOX'), /PERMANENTFLAGS \(\)[\s\S]*E OK \[READ-ONLY\]/);
    assert.match(await c.cmd('F', 'FETCH 1 (BODY[HEADER])'), /\* 1 FETCH \(BODY\[HEADER\] \{\d+\}\r\nSubject: one\r\n\r\n\)\r\nF OK/);
    assert.match(await c.cmd('G', 'FETCH 1 (FLAGS)'), /\* 1 FETCH \(FLAGS \(\\Flagged\)\)/);
    assert.match(await c.cmd('S', 'STORE 1 +FLAGS (\\Seen)'), /S NO \[READ-ONLY\]/);
    c.close();
  });

  it('refuses an APPEND literal over APPENDLIMIT before the client sends it', async () => {
    const c = await login(t.imapPort);
    c.write('A APPEND INBOX {900000000}\r\n');
    assert.match(await c.until(/A (OK|NO|BAD)[^\r]*\r\n/), /^A NO \[TOOBIG\]/);
    assert.match(await c.cmd('N', 'NOOP'), /N OK/);
    c.close();
  });

  it('refuses an APPEND over the quota with OVERQUOTA before the client sends the literal', async () => {
    const c = await login(t.imapPort, 'quo@raw.test');
    c.write('A APPEND INBOX {5000}\r\n');
    assert.match(await c.until(/A (OK|NO|BAD)[^\r]*\r\n/), /^A NO \[OVERQUOTA\]/);
    assert.match(await c.cmd('N', 'NOOP'), /N OK/);
    const m = 'Subject: small\r\n\r\nx\r\n';
    c.write(`B APPEND INBOX {${m.length}}\r\n`);
    await c.until(/^\+ [^\r]*\r\n/);
    c.write(`${m}\r\n`);
    assert.match(await c.until(/B (OK|NO|BAD)[^\r]*\r\n/), /^B OK \[APPENDUID/);
    c.close();
  });

  it('gives \\Recent to the first session that selects after arrival, and to no other (RFC 3501 §2.3.2)', async () => {
    const a = await login(t.imapPort);
    await a.cmd('C', 'CREATE Rec');
    for (const s of ['r1', 'r2']) {
      const m = `Subject: ${s}\r\n\r\nx\r\n`;
      assert.match(await a.cmd('A', `APPEND Rec {${m.length}+}\r\n${m}`), /A OK/);
    }
    const e = await login(t.imapPort);
    assert.match(await e.cmd('X', 'EXAMINE Rec'), /\* 2 RECENT\r\n/, 'EXAMINE shows them (as Dovecot does) but does not take them');
    await e.cmd('E', 'UNSELECT');
    await e.cmd('V', 'ENABLE IMAP4rev2');
    assert.doesNotMatch(await e.cmd('S', 'SELECT Rec'), /RECENT/, 'rev2 has no \\Recent and leaves them');
    const b = await login(t.imapPort);
    assert.match(await b.cmd('S', 'SELECT Rec'), /\* 2 EXISTS\r\n\* 2 RECENT\r\n/);
    const c = await login(t.imapPort);
    assert.match(await c.cmd('S', 'SELECT Rec'), /\* 2 EXISTS\r\n\* 0 RECENT\r\n/, 'b took them');
    assert.match(await b.cmd('R', 'SEARCH RECENT'), /\* SEARCH 1 2\r\n/);
    assert.match(await b.cmd('N', 'SEARCH NEW'), /\* SEARCH 1 2\r\n/);
    assert.match(await c.cmd('R', 'SEARCH RECENT'), /\* SEARCH\r\n/);
    assert.match(await c.cmd('O', 'SEARCH OLD'), /\* SEARCH 1 2\r\n/);
    assert.match(await b.cmd('F', 'FETCH 1 (FLAGS)'), /\* 1 FETCH \(FLAGS \(\\Recent\)\)/);
    assert.match(await c.cmd('F', 'FETCH 1 (FLAGS)'), /\* 1 FETCH \(FLAGS \(\)\)/);
    // A new message while both have the mailbox: the first to hear of it gets it.
    const m = 'Subject: r3\r\n\r\nx\r\n';
    await a.cmd('A', `APPEND Rec {${m.length}+}\r\n${m}`);
    assert.match(await c.cmd('N', 'NOOP'), /\* 3 EXISTS\r\n\* 1 RECENT\r\n/);
    assert.match(await b.cmd('N', 'NOOP'), /\* 3 EXISTS\r\n\* 2 RECENT\r\n/);
    assert.match(await c.cmd('F', 'FETCH 3 (FLAGS)'), /\* 3 FETCH \(FLAGS \(\\Recent\)\)/);
    const d = await login(t.imapPort);
    assert.match(await d.cmd('S', 'SELECT Rec'), /\* 0 RECENT\r\n/);
    for (const x of [a, b, c, d, e]) x.close();
  });

  it('keeps a selection through a rename by another session, and ends it with BYE on delete', async () => {
    const a = await login(t.imapPort);
    const b = await login(t.imapPort);
    assert.match(await b.cmd('C', 'CREATE Folder'), /C OK/);
    assert.match(await a.cmd('S', 'SELECT Folder'), /S OK/);
    assert.match(await b.cmd('R', 'RENAME Folder Renamed'), /R OK/);
    assert.match(await a.cmd('N', 'NOOP'), /N OK/);
    assert.match(await b.cmd('D', 'DELETE Renamed'), /D OK/);
    a.write('N2 NOOP\r\n');
    assert.match(await a.until(/\* BYE [^\r]*\r\n/), /deleted/);
    a.close();
    b.close();
  });

  it('pushes EXISTS and EXPUNGE into IDLE within 100 ms, then ends IDLE on DONE', async () => {
    const a = await login(t.imapPort);
    const b = await login(t.imapPort);
    await a.cmd('C', 'CREATE Idle');
    await a.cmd('S', 'SELECT Idle');
    a.write('I IDLE\r\n');
    await a.until(/^\+ [^\r]*\r\n/);
    const m = 'Subject: idle\r\n\r\nx\r\n';
    await b.cmd('A', `APPEND Idle (\\Deleted) {${m.length}+}\r\n${m}`);
    // Measured from the moment the change is committed (the other session's tagged OK).
    let start = Date.now();
    assert.match(await a.until(/\* 1 EXISTS\r\n/), /EXISTS/);
    assert.ok(Date.now() - start < 100, `EXISTS after ${Date.now() - start} ms`);
    await b.cmd('S', 'SELECT Idle');
    await b.cmd('E', 'EXPUNGE');
    start = Date.now();
    assert.match(await a.until(/\* 1 EXPUNGE\r\n/), /EXPUNGE/);
    assert.ok(Date.now() - start < 100, `EXPUNGE after ${Date.now() - start} ms`);
    a.write('DONE\r\n');
    assert.match(await a.until(/I OK [^\r]*\r\n/), /I OK/);
    a.close();
    b.close();
  });

  it('answers what Dovecot answers: numbers past EXISTS, "*" when empty, \\Recent counts, flag-extensions, empty fields', async () => {
    const c = await login(t.imapPort, 'rec@raw.test');
    for (const s of ['', 'two']) {
      const msg = `Subject: ${s}\r\n\r\nx\r\n`;
      assert.match(await c.cmd('A', `APPEND Archive {${msg.length}+}\r\n${msg}`), /A OK/);
    }
    // IMAP4rev1 \Recent: STATUS counts them, EXAMINE shows them and leaves them for SELECT.
    assert.match(await c.cmd('S', 'STATUS Archive (MESSAGES RECENT)'), /\* STATUS Archive \(MESSAGES 2 RECENT 2\)/);
    const examine = await c.cmd('E', 'EXAMINE Archive');
    assert.match(examine, /\* 2 RECENT/);
    assert.match(await c.cmd('F', 'FETCH 1:2 (FLAGS ENVELOPE)'), /\* 1 FETCH \(FLAGS \(\\Recent\) ENVELOPE \(NIL "" /, 'a present, empty Subject is "", not NIL');
    assert.match(await c.cmd('S2', 'SELECT Archive'), /\* 2 RECENT/);
    assert.match(await c.cmd('S3', 'STATUS Archive (RECENT)'), /RECENT 0/);
    // RFC 9051 §9 seq-number: past the last message, or "*" in an empty mailbox, is BAD; UIDs are not.
    assert.match(await c.cmd('B1', 'FETCH 3 (UID)'), /B1 BAD/);
    assert.match(await c.cmd('B2', 'STORE 1:3 +FLAGS (\\Seen)'), /B2 BAD/);
    assert.match(await c.cmd('B3', 'COPY 3:* INBOX'), /B3 BAD/);
    assert.match(await c.cmd('U1', 'UID FETCH 1:99 (UID)'), /\* 2 FETCH \(UID 2\)\r\nU1 OK/);
    assert.match(await c.cmd('X', 'STORE 1 +FLAGS (\\Foo)'), /X BAD [^\r]*\\Foo/);
    // SENT* compare the day the Date: header names (RFC 9051 §6.4.4 "disregarding time and timezone").
    const tokyo = 'Date: Mon, 10 Mar 2025 01:30:00 +0900\r\nSubject: tokyo\r\n\r\nx\r\n';
    assert.match(await c.cmd('A2', `APPEND Archive {${tokyo.length}+}\r\n${tokyo}`), /\* 3 EXISTS[\s\S]*A2 OK/);
    assert.match(await c.cmd('T1', 'SEARCH SENTON 10-Mar-2025'), /\* SEARCH 3\r\n/);
    assert.match(await c.cmd('T2', 'SEARCH SENTON 9-Mar-2025'), /\* SEARCH\r\n/);
    assert.match(await c.cmd('T3', 'SEARCH SENTBEFORE 10-Mar-2025 SENTSINCE 1-Jan-2020'), /\* SEARCH\r\n/);
    assert.match(await c.cmd('T4', 'SEARCH SENTSINCE 10-Mar-2025 SENTBEFORE 11-Mar-2025'), /\* SEARCH 3\r\n/);
    assert.match(await c.cmd('D', 'SELECT Drafts'), /\* 0 EXISTS/);
    assert.match(await c.cmd('B4', 'FETCH * (UID)'), /B4 BAD/);
    assert.match(await c.cmd('B5', 'FETCH 1:* (UID)'), /B5 BAD/);
    assert.match(await c.cmd('U2', 'UID FETCH 1:* (UID)'), /U2 OK/);
    c.close();
  });

  it('keeps subscriptions as names through DELETE and RENAME (RFC 9051 §6.3.7), and LSUB "%" shows parents', async () => {
    const c = await login(t.imapPort, 'sub@raw.test');
    for (const n of ['SubDel', 'SubRen', 'Q1/Q2']) assert.match(await c.cmd('C', `CREATE ${n}`), /C OK/);
    // CREATE does not subscribe (as Dovecot): the names outlive their mailboxes.
    assert.doesNotMatch(await c.cmd('L0', 'LSUB "" *'), /SubDel|SubRen|Q1/);
    for (const n of ['SubDel', 'SubRen', 'Q1', 'Q1/Q2']) assert.match(await c.cmd('B', `SUBSCRIBE ${n}`), /B OK/);
    assert.match(await c.cmd('D', 'DELETE SubDel'), /D OK/);
    assert.match(await c.cmd('L1', 'LSUB "" SubDel'), /\* LSUB \(\) "\/" SubDel\r\nL1 OK/);
    assert.match(await c.cmd('L2', 'LIST (SUBSCRIBED) "" SubDel'), /\* LIST \(\\NonExistent \\Subscribed\) "\/" SubDel\r\n/);
    assert.doesNotMatch(await c.cmd('L4', 'LIST "" SubDel'), /\* LIST/);
    assert.match(await c.cmd('R', 'RENAME SubRen SubRen2'), /R OK/);
    const subs = await c.cmd('L5', 'LSUB "" SubRen*');
    assert.match(subs, /\* LSUB \(\) "\/" SubRen\r\n/);
    assert.match(subs, /\* LSUB \(\) "\/" SubRen2\r\n/);
    assert.match(await c.cmd('U', 'UNSUBSCRIBE SubDel'), /U OK/);
    assert.doesNotMatch(await c.cmd('L6', 'LSUB "" SubDel'), /\* LSUB/);
    assert.match(await c.cmd('U2', 'UNSUBSCRIBE Q1'), /U2 OK/);
    assert.match(await c.cmd('L7', 'LSUB "" Q%'), /\* LSUB \(\\Noselect\) "\/" Q1\r\nL7 OK/);
    assert.doesNotMatch(await c.cmd('L8', 'LSUB "" Q*'), /LSUB \([^)]*\) "\/" Q1\r\n/);
    assert.match(await c.cmd('S', 'SUBSCRIBE NoSuchBox'), /S NO \[NONEXISTENT\]/);
    c.close();
  });

  it('names: any case of INBOX as a first level is INBOX; a name too long for its folder gets NO, not an internal error', async () => {
    const c = await login(t.imapPort, 'nm@raw.test');
    assert.match(await c.cmd('A1', 'LOGIN nm@raw.test secret'), /A1 BAD Already logged in/);
    assert.match(await c.cmd('A2', 'FETCH 1 FLAGS'), /A2 BAD No mailbox selected/);
    assert.match(await c.cmd('C1', 'CREATE inbox/x'), /C1 OK/);
    const all = await c.cmd('L1', 'LIST "" *');
    assert.match(all, /\* LIST \([^)]*\) "\/" INBOX\/x\r\n/);
    assert.doesNotMatch(all, /"\/" inbox/);
    assert.match(await c.cmd('S1', 'STATUS Inbox/X (MESSAGES)'), /S1 NO \[NONEXISTENT\]/);
    assert.match(await c.cmd('S2', 'STATUS iNbOx/x (MESSAGES)'), /\* STATUS INBOX\/x \(MESSAGES 0\)/);
    // ".aaa…" is one byte longer than the name: 255 characters make a 256-byte directory name.
    assert.match(await c.cmd('C2', `CREATE ${'a'.repeat(255)}`), /C2 NO \[CANNOT\] Mailbox name is too long/);
    assert.match(await c.cmd('C3', `CREATE ${Array.from({ length: 16 }, () => 'x'.repeat(15)).join('/')}`), /C3 NO \[CANNOT\]/);
    assert.doesNotMatch(await c.cmd('L2', 'LIST "" x*'), /\* LIST/, 'no parents left behind');
    assert.match(await c.cmd('C4', `CREATE P/${'c'.repeat(240)}`), /C4 OK/);
    assert.match(await c.cmd('R1', `RENAME P ${'p'.repeat(20)}`), /R1 NO \[CANNOT\] Mailbox name is too long/);
    assert.match(await c.cmd('L3', 'LIST "" P/*'), /\* LIST \([^)]*\) "\/" P\/c{240}\r\n/);
    c.close();
  });

  it('ends the session after refusing a non-synchronizing literal larger than any APPEND may be', async () => {
    const c = await login(t.imapPort, 'nm@raw.test');
    c.write('a SELECT {99999999999999999999+}\r\n');
    assert.match(await c.until(/\* BYE [^\r]*\r\n/), /^a BAD \[TOOBIG\] [^\r]*\r\n\* BYE /);
    assert.equal(await c.waitClose(), true);
  });

  it('tells a keyword new to the mailbox in FLAGS and PERMANENTFLAGS before the FETCH that shows it', async () => {
    const a = await login(t.imapPort, 'kw@raw.test');
    const msg = 'Subject: kw\r\n\r\nx\r\n';
    assert.match(await a.cmd('A', `APPEND INBOX ($Old) {${msg.length}+}\r\n${msg}`), /A OK/);
    assert.match(await a.cmd('S', 'SELECT INBOX'), /\* FLAGS \([^)]*\$Old\)/);
    const b = await login(t.imapPort, 'kw@raw.test');
    await b.cmd('S', 'SELECT INBOX');
    const own = await b.cmd('T', 'STORE 1 +FLAGS ($New $Old)');
    assert.match(own, /^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Old \$New\)\r\n\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Old \$New \\\*\)\] [^\r]*\r\n\* 1 FETCH \(FLAGS \(\$Old \$New\)\)\r\nT OK/);
    const other = await a.cmd('N', 'NOOP');
    assert.match(other, /\* FLAGS \([^)]*\$Old \$New\)\r\n\* OK \[PERMANENTFLAGS [^\r]*\r\n\* 1 FETCH \(UID 1 FLAGS \([^)]*\$New[^)]*\)\)\r\nN OK/);
    // Known now: no second FLAGS.
    assert.doesNotMatch(await b.cmd('T2', 'STORE 1 -FLAGS ($New)'), /\* FLAGS/);
    assert.doesNotMatch(await b.cmd('T3', 'STORE 1 +FLAGS ($New)'), /\* FLAGS/);
    a.close();
    b.close();
  });

  it('stores an APPENDed message with bare LFs with CRLF line ends (as Dovecot serves it; POP3 counts them)', async () => {
    const c = await login(t.imapPort, 'lf@raw.test');
    const msg = 'From: a@x.test\nSubject: bare LF\n\nline1\n.dot\nend';
    assert.match(await c.cmd('A', `APPEND INBOX {${msg.length}+}\r\n${msg}`), /A OK/);
    await c.cmd('S', 'SELECT INBOX');
    const crlf = msg.replace(/\n/g, '\r\n');
    const r = await c.cmd('F', 'FETCH 1 (RFC822.SIZE BODY.PEEK[])');
    assert.ok(r.includes(`RFC822.SIZE ${crlf.length} BODY[] {${crlf.length}}\r\n${crlf})`), r);
    c.close();
  });

  it('says BYE after too many bad commands in a row; a good one starts the count again', async () => {
    const { c } = await open(t.imapPort);
    for (let i = 0; i < 9; i++) c.write(`a${i} BOGUS\r\n`);
    c.write('n NOOP\r\n');
    assert.match(await c.until(/n OK [^\r]*\r\n/), /n OK/);
    for (let i = 0; i < 9; i++) c.write(`b${i} BOGUS\r\n`);
    c.write('b9 BOGUS\r\n');
    assert.match(await c.until(/\* BYE [^\r]*\r\n/), /Too many invalid commands/);
    c.close();
  });
});
