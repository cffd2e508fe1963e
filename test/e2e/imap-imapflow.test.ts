// imapflow, an independent IMAP client, against the real server: the everyday flow of a mail
// client (login, list, select, fetch, flags, search, append, copy, move, expunge, IDLE).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

const MULTIPART = [
  'From: "Sam Sender" <sam@remote.test>',
  'To: ivy@flow.test',
  'Subject: Report attached',
  'Message-ID: <report-1@remote.test>',
  'Date: Tue, 24 Nov 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Quarterly numbers inside.',
  '--b1',
  'Content-Type: application/pdf; name="q3.pdf"',
  'Content-Disposition: attachment; filename="q3.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--b1--',
  '',
].join('\r\n');

const simple = (subject: string, body = 'Hello there.'): string =>
  `From: sam@remote.test\r\nTo: ivy@flow.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;

function client(t: TestServer, opts: { secure?: boolean; user?: string; pass?: string } = {}): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: opts.secure ? t.imapsPort : t.imapPort,
    secure: opts.secure ?? false,
    auth: { user: opts.user ?? 'ivy@flow.test', pass: opts.pass ?? 'secret' },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
}

describe('IMAP with imapflow', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('flow.test');
    await t.addUser('ivy@flow.test');
    await t.addUser('max@flow.test', { quota: 2000 });
  });
  after(() => t.stop());

  it('logs in, lists the special-use folders, and refuses a wrong password', async () => {
    const c = client(t);
    await c.connect();
    assert.ok(c.capabilities.has('UIDPLUS') && c.capabilities.has('MOVE') && c.capabilities.has('IDLE'));
    const boxes = await c.list();
    const uses = Object.fromEntries(boxes.map((b) => [b.path, b.specialUse ?? '']));
    assert.deepEqual(uses, { INBOX: '\\Inbox', Sent: '\\Sent', Drafts: '\\Drafts', Junk: '\\Junk', Trash: '\\Trash', Archive: '\\Archive' });
    assert.ok(boxes.every((b) => b.flags.has('\\HasNoChildren')));
    await c.logout();

    const wrong = client(t, { pass: 'nope' });
    await assert.rejects(wrong.connect(), (e: Error & { authenticationFailed?: boolean; serverResponseCode?: string }) => {
      assert.ok(e.authenticationFailed === true || e.serverResponseCode === 'AUTHENTICATIONFAILED', String(e));
      return true;
    });
  });

  it('appends, then fetches envelope, bodystructure, flags and source; searches; stores flags', async () => {
    const c = client(t);
    await c.connect();
    const ap = await c.append('INBOX', MULTIPART, ['\\Flagged'], new Date('2026-11-24T10:00:05Z'));
    assert.ok(ap && ap.uid === 1 && typeof ap.uidValidity === 'bigint');
    await c.append('INBOX', simple('Lunch?'));
    const lock = await c.getMailboxLock('INBOX');
    try {
      const mb = c.mailbox as { exists: number; uidNext: number };
      assert.equal(mb.exists, 2);
      assert.equal(mb.uidNext, 3);
      const msg = await c.fetchOne('1', { envelope: true, bodyStructure: true, flags: true, source: true, internalDate: true, size: true });
      assert.ok(msg);
      assert.equal(msg.envelope?.subject, 'Report attached');
      assert.equal(msg.envelope?.from?.[0].address, 'sam@remote.test');
      assert.equal(msg.envelope?.from?.[0].name, 'Sam Sender');
      assert.equal(msg.envelope?.messageId, '<report-1@remote.test>');
      assert.equal(msg.bodyStructure?.type, 'multipart/mixed');
      assert.equal(msg.bodyStructure?.childNodes?.[1].type, 'application/pdf');
      assert.equal(msg.bodyStructure?.childNodes?.[1].dispositionParameters?.filename, 'q3.pdf');
      assert.deepEqual([...(msg.flags ?? [])], ['\\Flagged']);
      assert.equal(msg.source?.toString('latin1'), MULTIPART);
      assert.equal(msg.size, Buffer.byteLength(MULTIPART));
      assert.equal((msg.internalDate as Date).toISOString(), '2026-11-24T10:00:05.000Z');

      // BODY[1] of the multipart, and the \Seen flag set by a non-PEEK fetch.
      const { content } = await c.download('1', '1');
      assert.ok(content);
      const chunks: Buffer[] = [];
      for await (const ch of content) chunks.push(ch as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'Quarterly numbers inside.');

      assert.deepEqual(await c.search({ subject: 'report' }), [1]);
      assert.deepEqual(await c.search({ body: 'Hello there' }, { uid: true }), [2]);
      assert.deepEqual(await c.search({ flagged: true }), [1]);
      assert.deepEqual(await c.search({ from: 'sam@remote' }), [1, 2]);

      await c.messageFlagsAdd('2', ['\\Answered', '$Forwarded']);
      await c.messageFlagsRemove('1', ['\\Flagged']);
      const flags = new Map<number, string[]>();
      for await (const m of c.fetch('1:*', { flags: true, uid: true })) flags.set(m.uid, [...(m.flags ?? [])].sort());
      assert.deepEqual(flags.get(2), ['$Forwarded', '\\Answered']);
      assert.deepEqual(flags.get(1), []);
      assert.deepEqual(await c.search({ keyword: '$Forwarded' }), [2]);
    } finally {
      lock.release();
    }
    await c.logout();
  });

  it('copies, moves and expunges with UIDPLUS answers', async () => {
    const c = client(t);
    await c.connect();
    await c.mailboxCreate('Work');
    for (const s of ['one', 'two', 'three']) await c.append('Work', simple(s));
    const lock = await c.getMailboxLock('Work');
    try {
      const copied = await c.messageCopy('1:2', 'Archive', { uid: true });
      assert.ok(copied);
      assert.equal(copied.uidMap?.size, 2);
      const moved = await c.messageMove('3', 'Trash', { uid: true });
      assert.ok(moved);
      assert.equal(moved.uidMap?.size, 1);
      assert.equal((c.mailbox as { exists: number }).exists, 2);
      await c.messageDelete('1', { uid: true });
      assert.equal((c.mailbox as { exists: number }).exists, 1);
      const left = await c.fetchOne('*', { envelope: true, uid: true });
      assert.equal(left && left.uid, 2);
    } finally {
      lock.release();
    }
    const trash = await c.status('Trash', { messages: true, uidNext: true });
    assert.ok(trash);
    assert.equal(trash.messages, 1);
    const archive = await c.status('Archive', { messages: true, unseen: true });
    assert.ok(archive);
    assert.equal(archive.messages, 2);
    assert.equal(archive.unseen, 2);
    await c.logout();
  });

  it('creates, renames and deletes nested mailboxes', async () => {
    const c = client(t);
    await c.connect();
    await c.mailboxCreate(['Projects', 'Mailhaven']);
    await c.mailboxCreate('Projects/Grüße');
    let names = (await c.list()).map((b) => b.path);
    assert.ok(names.includes('Projects') && names.includes('Projects/Mailhaven') && names.includes('Projects/Grüße'), names.join());
    const parent = (await c.list()).find((b) => b.path === 'Projects');
    assert.ok(parent?.flags.has('\\HasChildren'));
    await c.mailboxRename('Projects', 'Clients');
    names = (await c.list()).map((b) => b.path);
    assert.ok(names.includes('Clients/Mailhaven') && names.includes('Clients/Grüße') && !names.includes('Projects'), names.join());
    // RFC 9051 §6.3.5: the parent goes, its children stay and imply it as \Noselect.
    await c.mailboxDelete('Clients');
    const implied = (await c.list()).find((b) => b.path === 'Clients');
    assert.ok(implied?.flags.has('\\Noselect'), JSON.stringify([...(implied?.flags ?? [])]));
    await c.mailboxDelete('Clients/Mailhaven');
    await c.mailboxDelete('Clients/Grüße');
    names = (await c.list()).map((b) => b.path);
    assert.ok(!names.some((n) => n.startsWith('Clients')));
    await c.logout();
  });

  it('hears, in IDLE, a message delivered by SMTP and a flag change by another session', async () => {
    const c = client(t, { user: 'max@flow.test' });
    await c.connect();
    await c.mailboxOpen('INBOX');
    const events: string[] = [];
    c.on('exists', (d: { count: number }) => events.push(`exists ${d.count}`));
    c.on('flags', (d: { flags: Set<string> }) => events.push(`flags ${[...d.flags].join(' ')}`));
    const idling = c.idle();
    await new Promise((r) => setTimeout(r, 100));
    const { client: smtp } = await RawSmtp.connect(t.smtpPort);
    await smtp.cmd('EHLO remote.test');
    const sent = await smtp.send('sam@remote.test', ['max@flow.test'], simple('Pushed'));
    assert.equal(sent.final?.code, 250);
    smtp.close();
    const started = Date.now();
    while (!events.includes('exists 1') && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 10));
    assert.ok(events.includes('exists 1'), events.join());
    assert.ok(Date.now() - started < 1000, 'pushed promptly');

    const other = client(t, { user: 'max@flow.test' });
    await other.connect();
    await other.mailboxOpen('INBOX');
    await other.messageFlagsAdd('1', ['\\Seen']);
    await other.logout();
    const t2 = Date.now();
    while (!events.some((e) => e.startsWith('flags')) && Date.now() - t2 < 3000) await new Promise((r) => setTimeout(r, 10));
    assert.ok(events.includes('flags \\Seen'), events.join());
    void idling;
    await c.logout();
  });

  it('enforces the quota on APPEND with OVERQUOTA and reports it with GETQUOTAROOT', async () => {
    const c = client(t, { user: 'max@flow.test' });
    await c.connect();
    const q = await c.getQuota('INBOX');
    assert.ok(q && q.storage);
    assert.equal(q.storage.limit, Math.floor(2000 / 1024) * 1024);
    await assert.rejects(c.append('INBOX', simple('big', 'x'.repeat(3000))), (e: Error & { serverResponseCode?: string }) => {
      assert.equal(e.serverResponseCode, 'OVERQUOTA');
      return true;
    });
    await c.logout();
  });

  it('serves implicit TLS on the IMAPS port', async () => {
    const c = client(t, { secure: true });
    await c.connect();
    assert.ok((await c.list()).length >= 6);
    await c.logout();
  });
});
