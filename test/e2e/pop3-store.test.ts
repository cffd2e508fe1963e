// POP3 on the real store: mail delivered by SMTP is listed and retrieved byte for byte,
// deletions at QUIT are expunges the IMAP side sees, and UIDLs stay stable across sessions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import { needs, run } from '../harness/tools.ts';

describe('POP3 on the store', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('pop.test');
    await t.addUser('dl@pop.test', { password: 'pw-123' });
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    for (const body of ['Subject: one\r\n\r\n.leading dot\r\nx\r\n', 'Subject: two\r\n\r\nsecond\r\n']) {
      assert.equal((await client.send('a@remote.test', ['dl@pop.test'], body)).final?.code, 250);
    }
    client.close();
  });
  after(() => t.stop());

  it('poplib over STLS and implicit TLS: STAT, UIDL, RETR exact, DELE at QUIT seen by IMAP', needs('python3'), async () => {
    const script = `
import poplib, ssl, sys, json
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3('127.0.0.1', int(sys.argv[1])); p.stls(context=ctx)
p.user('dl@pop.test'); p.pass_('pw-123')
count, size = p.stat()
uidl1 = [l.decode() for l in p.uidl()[1]]
lists = [l.decode() for l in p.list()[1]]
msg = b'\\r\\n'.join(p.retr(1)[1]) + b'\\r\\n'
p.dele(1); p.quit()
s = poplib.POP3_SSL('127.0.0.1', int(sys.argv[2]), context=ctx)
s.user('dl@pop.test'); s.pass_('pw-123')
after = s.stat(); uidl2 = [l.decode() for l in s.uidl()[1]]; s.quit()
print(json.dumps({'count': count, 'size': size, 'uidl1': uidl1, 'lists': lists, 'msg': msg.decode('latin1'), 'after': after, 'uidl2': uidl2}))
`;
    const r = await run('python3', ['-c', script, String(t.pop3Port), String(t.pop3sPort)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as { count: number; size: number; uidl1: string[]; lists: string[]; msg: string; after: [number, number]; uidl2: string[] };
    assert.equal(j.count, 2);
    assert.match(j.msg, /^Return-Path: <a@remote\.test>\r\nDelivered-To: dl@pop\.test\r\n[\s\S]*Subject: one\r\n\r\n\.leading dot\r\nx\r\n$/, 'RETR is the stored file, dot line intact');
    assert.equal(Buffer.byteLength(j.msg, 'latin1'), Number(j.lists[0].split(' ')[1]), 'LIST octets equal what RETR sends');
    assert.deepEqual(j.lists.map((l) => Number(l.split(' ')[1])).reduce((a, b) => a + b, 0), j.size, 'LIST octets add up to STAT');
    assert.equal(j.after[0], 1, 'one message left after DELE + QUIT');
    assert.equal(j.uidl2[0].split(' ')[1], j.uidl1[1].split(' ')[1], 'the UIDL of the remaining message is stable');
    const inbox = await t.server.services.store.getMailbox(1, 'INBOX');
    assert.equal(inbox?.messages, 1, 'the store (and so IMAP) sees the expunge');
  });
});
