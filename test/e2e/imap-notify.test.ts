// NOTIFY (RFC 5465) on the wire: one session watches, another one changes things, and the
// watcher hears of it without sending a command: EXISTS + FETCH and EXPUNGE for the selected
// mailbox, STATUS for the others, LIST for names and subscriptions, METADATA for annotations.
import assert from 'node:assert/strict';
import { after, before, beforeEach, afterEach, describe, it } from 'node:test';
import { Wire } from '../harness/imap-wire.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const msg = (subject: string): string => `From: a@n.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
const append = (w: Wire, tag: string, mailbox: string, subject: string): Promise<string> =>
  w.cmd(tag, `APPEND ${mailbox} {${msg(subject).length}+}\r\n${msg(subject)}`);

describe('IMAP NOTIFY', () => {
  let t: TestServer;
  let watcher: Wire;
  let other: Wire;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('n.test');
    await t.addUser('nia@n.test');
  });
  after(() => t.stop());
  beforeEach(async () => {
    watcher = await Wire.open(t.imapPort);
    other = await Wire.open(t.imapPort);
    await watcher.cmd('w0', 'LOGIN nia@n.test secret');
    await other.cmd('o0', 'LOGIN nia@n.test secret');
  });
  afterEach(() => {
    watcher.close();
    other.close();
  });

  it('pushes EXISTS and the asked-for FETCH, flag changes and EXPUNGE for the selected mailbox', async () => {
    await watcher.cmd('w1', 'SELECT INBOX');
    const set = await watcher.cmd('w2', 'NOTIFY SET STATUS (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge))');
    assert.match(set, /\* STATUS Sent \(MESSAGES \d+ UIDNEXT \d+ UIDVALIDITY \d+\)/);
    assert.doesNotMatch(set, /\* STATUS INBOX/, 'not for the selected mailbox');
    assert.match(set, /w2 OK/);
    await append(other, 'o1', 'INBOX', 'hello watcher');
    const pushed = await watcher.until(/\* \d+ FETCH \(UID (\d+) BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: hello watcher\r\n\r\n\)\r\n/);
    assert.match(pushed, /\* (\d+) EXISTS\r\n/);
    const seq = /\* (\d+) EXISTS/.exec(pushed)![1];
    await other.cmd('o2', 'SELECT INBOX');
    await other.cmd('o3', `STORE ${seq} +FLAGS (\\Seen)`);
    assert.match(await watcher.until(/\* \d+ FETCH \(UID \d+ FLAGS \([^)]*\)\)\r\n/), new RegExp(`\\* ${seq} FETCH \\(UID \\d+ FLAGS \\(\\\\Seen( \\\\Recent)?\\)\\)`));
    await other.cmd('o4', `STORE ${seq} +FLAGS (\\Deleted)`);
    await other.cmd('o5', 'EXPUNGE');
    await watcher.until(new RegExp(`\\* ${seq} EXPUNGE\\r\\n`));
    // The watcher's own APPEND gets EXISTS but no pushed FETCH (§5.2).
    const own = await append(watcher, 'w3', 'INBOX', 'mine');
    assert.match(own, /\* \d+ EXISTS/);
    assert.doesNotMatch(own, /FETCH/);
  });

  it('STATUS for other mailboxes, LIST for names and subscriptions, METADATA for annotations', async () => {
    await watcher.cmd('w1', 'NOTIFY SET (personal (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange))');
    await append(other, 'o1', 'Sent', 'sent one');
    assert.match(await watcher.until(/\* STATUS Sent \([^)]*\)\r\n/), /MESSAGES \d+ UIDNEXT \d+ UIDVALIDITY \d+/);
    await other.cmd('o2', 'SELECT Sent');
    await other.cmd('o3', 'STORE 1 +FLAGS (\\Flagged)');
    assert.match(await watcher.until(/\* STATUS Sent \([^)]*\)\r\n/), /HIGHESTMODSEQ \d+ UNSEEN \d+/);
    await other.cmd('o4', 'CREATE Projects/2026');
    assert.match(await watcher.until(/\* LIST \([^)]*\) "\/" Projects\/2026\r\n/), /\\HasNoChildren/);
    await other.cmd('o4b', 'SUBSCRIBE Projects'); // CREATE does not subscribe; RENAME carries it to Work
    await watcher.until(/\* LIST \([^)]*\\Subscribed\) "\/" Projects\r\n/);
    await other.cmd('o5', 'RENAME Projects Work');
    const renamed = await watcher.until(/\* LIST \([^)]*\) "\/" Work \("OLDNAME" \(Projects\)\)\r\n/);
    assert.doesNotMatch(renamed, /Work\/2026/, 'children of a renamed mailbox get no event');
    await other.cmd('o6', 'DELETE Work/2026');
    // §5.4: the parent of a deleted mailbox is affected too.
    await watcher.until(/\* LIST \(\\NonExistent\) "\/" Work\/2026\r\n\* LIST \(\\HasNoChildren \\Subscribed\) "\/" Work\r\n/);
    await other.cmd('o7', 'UNSUBSCRIBE Work');
    assert.doesNotMatch(await watcher.until(/\* LIST \([^)]*\) "\/" Work\r\n/), /\\Subscribed/);
    await other.cmd('o8', 'SUBSCRIBE Work');
    assert.match(await watcher.until(/\* LIST \([^)]*\) "\/" Work\r\n/), /\\Subscribed/);
    await other.cmd('o9', 'SETMETADATA "" (/private/vendor/mh/x "1")');
    await watcher.until(/\* METADATA "" \/private\/vendor\/mh\/x\r\n/);
    await other.cmd('o10', 'SETMETADATA INBOX (/shared/comment NIL)');
    await watcher.until(/\* METADATA INBOX \/shared\/comment\r\n/);
    // The watcher's own changes are not told back to it (§5).
    const own = await watcher.cmd('w2', 'CREATE Mine');
    assert.doesNotMatch(own, /\* LIST/);
    // NOTIFY NONE: quiet again.
    await watcher.cmd('w3', 'NOTIFY NONE');
    await append(other, 'o11', 'Sent', 'unheard');
    assert.doesNotMatch(await watcher.cmd('w4', 'NOOP'), /\* STATUS/);
  });

  it('in IDLE sends exactly what NOTIFY asked for (§4); a deleted parent stays \\Noselect', async () => {
    await watcher.cmd('w1', 'SELECT INBOX');
    await watcher.cmd('w2', 'NOTIFY SET (personal (MessageNew MessageExpunge MailboxName))');
    watcher.send('w3 IDLE\r\n');
    await watcher.until(/\+ [^\r]*\r\n/);
    await append(other, 'o1', 'INBOX', 'not pushed: no SELECTED filter');
    await append(other, 'o2', 'Sent', 'pushed');
    const during = await watcher.until(/\* STATUS Sent \([^)]*\)\r\n/);
    assert.doesNotMatch(during, /EXISTS/);
    watcher.send('DONE\r\n');
    assert.match(await watcher.until(/w3 OK[^\r]*\r\n/), /\* \d+ EXISTS/);
    await other.cmd('o3', 'CREATE Top/Sub');
    await other.cmd('o4', 'DELETE Top');
    await watcher.until(/\* LIST \(\\Noselect \\HasChildren\) "\/" Top\r\n/);
  });

  it('mailboxes and subtree filters watch only what they name', async () => {
    await other.cmd('o1', 'CREATE Lists/a');
    await other.cmd('o2', 'CREATE Lists/b');
    await watcher.cmd('w1', 'NOTIFY SET (subtree Lists (MessageNew MessageExpunge)) (mailboxes Drafts (MessageNew MessageExpunge))');
    await append(other, 'o3', 'Junk', 'not watched');
    await append(other, 'o4', 'Lists/b', 'watched');
    const got = await watcher.until(/\* STATUS Lists\/b \([^)]*\)\r\n/);
    assert.doesNotMatch(got, /Junk/);
    await append(other, 'o5', 'Drafts', 'watched too');
    await watcher.until(/\* STATUS Drafts \([^)]*\)\r\n/);
  });

  it('SELECTED-DELAYED keeps EXPUNGE for the next command', async () => {
    await append(other, 'o1', 'Archive', 'to go');
    await watcher.cmd('w1', 'SELECT Archive');
    await watcher.cmd('w2', 'NOTIFY SET (selected-delayed (MessageNew MessageExpunge))');
    await other.cmd('o2', 'SELECT Archive');
    await other.cmd('o3', 'STORE 1:* +FLAGS (\\Deleted)');
    await other.cmd('o4', 'EXPUNGE');
    await append(other, 'o5', 'Archive', 'new one');
    // Everything the watcher got up to the EXISTS, and anything after it: no EXPUNGE yet.
    assert.doesNotMatch(await watcher.until(/\* \d+ EXISTS\r\n/), /EXPUNGE/);
    assert.doesNotMatch(watcher.take(), /EXPUNGE/);
    assert.match(await watcher.cmd('w3', 'NOOP'), /\* 1 EXPUNGE/);
  });

  it('refuses unsupported events with BADEVENT and broken groups with BAD', async () => {
    assert.match(await watcher.cmd('w1', 'NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))'), /w1 NO \[BADEVENT \(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange\)\]/);
    assert.match(await watcher.cmd('w2', 'NOTIFY SET (personal (MessageNew))'), /w2 BAD/);
    assert.match(await watcher.cmd('w3', 'NOTIFY SET (personal (FlagChange))'), /w3 BAD/);
    assert.match(await watcher.cmd('w4', 'NOTIFY SET (selected (MailboxName))'), /w4 BAD/);
    assert.match(await watcher.cmd('w5', 'NOTIFY SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))'), /w5 BAD/);
    assert.match(await watcher.cmd('w6', 'NOTIFY SET (selected (MessageNew (BODY[]) MessageExpunge))'), /w6 BAD/);
    assert.match(await watcher.cmd('w7', 'NOTIFY SET (personal (MessageNew (UID) MessageExpunge))'), /w7 BAD/);
    assert.match(await watcher.cmd('w8', 'NOTIFY SET (personal NONE)'), /w8 OK/);
  });
});
