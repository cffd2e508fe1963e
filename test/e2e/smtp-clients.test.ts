// Independent SMTP clients (swaks, Python's smtplib) deliver, and mutt reads the Maildir we
// wrote, as it would a Dovecot one.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

describe('SMTP with independent clients', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('clients.test');
    await t.addUser('pat@clients.test');
  });
  after(() => t.stop());

  it('swaks delivers over plain SMTP and over STARTTLS, and sees relaying refused', needs('swaks'), async () => {
    const base = ['--server', '127.0.0.1', '--port', String(t.smtpPort), '--from', 'swaks@remote.test', '--helo', 'swaks.test'];
    let r = await run('swaks', [...base, '--to', 'pat@clients.test', '--header', 'Subject: from swaks']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<- {2}250 .*queued as/);
    r = await run('swaks', [...base, '--to', 'pat@clients.test', '--tls', '--header', 'Subject: swaks tls']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /TLS started/);
    r = await run('swaks', [...base, '--to', 'victim@elsewhere.test']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /<\*\* +554 5\.7\.1 /);
    const files = await t.maildir('pat@clients.test');
    assert.ok(files.some((f) => f.content.includes('Subject: from swaks')));
    assert.ok(files.some((f) => f.content.includes('Subject: swaks tls') && /using TLSv1\.[23]/.test(f.content)));
  });

  it("Python's smtplib delivers with SMTPUTF8 and 8BITMIME", needs('python3'), async () => {
    const script = `
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'jörg@bücher.test'
m['To'] = 'pat@clients.test'
m['Subject'] = 'Grüße aus Python'
m.set_content('Ünïcödé body')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    s.ehlo('python.test')
    assert s.has_extn('smtputf8') and s.has_extn('8bitmime') and s.has_extn('enhancedstatuscodes')
    s.starttls()
    s.ehlo('python.test')
    refused = s.send_message(m)
    assert refused == {}, refused
    try:
        s.sendmail('a@remote.test', ['nobody@clients.test'], b'Subject: x\\r\\n\\r\\nx\\r\\n')
        print('unexpected accept'); sys.exit(1)
    except smtplib.SMTPRecipientsRefused as e:
        code, text = e.recipients['nobody@clients.test']
        print(code, text.decode())
`;
    const r = await run('python3', ['-c', script, String(t.smtpPort)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^550 5\.1\.1 /);
    const f = (await t.maildir('pat@clients.test')).find((x) => Buffer.from(x.content, 'latin1').toString('utf8').includes('Grüße aus Python'));
    assert.ok(f, 'the UTF-8 message arrived');
  });

  it('mutt opens the delivered Maildir and reads the message', needs('mutt', 'script'), async () => {
    const maildir = path.join(t.dataDir, 'mail', 'clients.test', 'pat');
    const out = path.join(t.dataDir, 'mutt-out.txt');
    const rc = path.join(t.dataDir, 'muttrc');
    await writeFile(rc, `set mbox_type=Maildir\nset folder=${maildir}\nset spoolfile=${maildir}\nset sort=date-sent\nset wait_key=no\nset pipe_decode=yes\n`);
    // mutt needs a terminal: script(1) gives it one; the pushed keys pipe the first message out and quit.
    const cmd = `TERM=vt100 mutt -n -F ${rc} -f ${maildir} -e 'push "<pipe-message>cat > ${out}<enter><exit>"'`;
    const r = await run('script', ['-qec', cmd, '/dev/null'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(out, 'utf8');
    assert.match(text, /Subject: /);
    assert.match(text, /From: /);
  });
});
