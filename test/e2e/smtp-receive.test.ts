// Receiving mail over SMTP end to end: real clients against the real server on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

describe('SMTP receive', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('example.test');
    await t.addUser('alice@example.test');
    await t.addUser('bob@example.test');
  });
  after(() => t.stop());

  it('advertises the ESMTP extensions', async () => {
    const { client, greeting } = await RawSmtp.connect(t.smtpPort);
    assert.equal(greeting.code, 220);
    assert.match(greeting.text, /mx\.test\.example/);
    const ehlo = await client.cmd('EHLO client.test');
    assert.equal(ehlo.code, 250);
    for (const ext of ['PIPELINING', 'SIZE 52428800', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS']) {
      assert.ok(ehlo.lines.some((l) => l.slice(4) === ext), `EHLO lacks ${ext}: ${ehlo.text}`);
    }
    assert.ok(!ehlo.lines.some((l) => l.includes('AUTH')), 'no AUTH on the MX port');
    client.close();
  });

  it('delivers a message from nodemailer into the Maildir with trace headers', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: t.smtpPort, secure: false, tls: { rejectUnauthorized: false } });
    const info = await transport.sendMail({
      from: 'sender@remote.test',
      to: 'alice@example.test',
      subject: 'Hello Alice',
      text: 'First message.\n.\nA dot line above.',
      messageId: '<m1@remote.test>',
    });
    assert.deepEqual(info.accepted, ['alice@example.test']);
    assert.match(info.response, /^250 /);
    const files = await t.maildir('alice@example.test');
    assert.equal(files.length, 1);
    const [f] = files;
    assert.match(f.name, /^new\/\d+\.M\d+P\d+Q\d+\..+,S=\d+$/);
    assert.equal(Number(/,S=(\d+)/.exec(f.name)![1]), Buffer.byteLength(f.content, 'latin1'));
    assert.match(f.content, /^Return-Path: <sender@remote\.test>\r\nDelivered-To: alice@example\.test\r\nReceived: from /);
    assert.match(f.content, /by mx\.test\.example \(Mailhaven\) with ESMTPS? id /);
    assert.match(f.content, /\r\n\tfor <alice@example\.test>;/);
    assert.match(f.content, /\r\n\.\r\nA dot line above\./, 'dot-stuffing undone');
    const boxes = await t.server.services.store.listMailboxes(1);
    const inbox = boxes.find((b) => b.name === 'INBOX')!;
    assert.equal(inbox.messages, 1);
    assert.deepEqual(boxes.map((b) => b.name).sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    const row = t.server.services.db.prepare('SELECT uid, subject, message_id, envelope FROM messages').get() as { uid: number; subject: string; message_id: string; envelope: string };
    assert.equal(row.uid, 1);
    assert.equal(row.subject, 'Hello Alice');
    assert.equal(row.message_id, 'm1@remote.test');
    transport.close();
  });

  it('delivers over STARTTLS with TLS 1.2 or newer', async () => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO client.test');
    await client.startTls();
    const ehlo = await client.cmd('EHLO client.test');
    assert.ok(!ehlo.lines.some((l) => l.includes('STARTTLS')));
    const r = await client.send('x@remote.test', ['bob@example.test'], 'Subject: tls\r\n\r\nover tls\r\n');
    assert.equal(r.final?.code, 250);
    client.close();
    const files = await t.maildir('bob@example.test');
    assert.ok(files.some((f) => /\(using TLSv1\.[23] with cipher /.test(f.content)));
  });

  it('keeps one copy per account when several recipients lead to it', async () => {
    const before = (await t.maildir('bob@example.test')).length;
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    const r = await client.send('x@remote.test', ['bob@example.test', 'BOB@Example.TEST'], 'Subject: twice\r\n\r\nx\r\n');
    assert.equal(r.final?.code, 250);
    client.close();
    assert.equal((await t.maildir('bob@example.test')).length, before + 1);
  });

  it('accepts the null sender (bounces) and SMTPUTF8 addresses', async () => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    const r = await client.send('', ['alice@example.test'], 'Subject: bounce\r\n\r\nx\r\n');
    assert.equal(r.final?.code, 250);
    const m = await client.cmd('MAIL FROM:<jörg@bücher.test> SMTPUTF8');
    assert.equal(m.code, 250);
    const rc = await client.cmd('RCPT TO:<alice@example.test>');
    assert.equal(rc.code, 250);
    client.close();
  });
});
