// POP3 on the real store: mail delivered by SMTP is listed and retrieved byte for byte by
// poplib, getmail and fetchmail, deletions at QUIT are expunges the IMAP side sees, UIDLs stay
// stable across sessions, and a session that ends without QUIT deletes nothing.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import { needs, run } from '../harness/tools.ts';

const PASSWORD = 'pw-123';

/** Two messages for every account; the first has lines that start with dots. */
const MESSAGES = [
  'Subject: one\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nmiddle . line\r\n...\r\nx\r\n',
  'Subject: two\r\n\r\nsecond\r\n',
];

/** RFC 5321 §4.5.2: what goes over SMTP DATA. */
const smtpStuff = (body: string): string => body.replace(/^\./gm, '..');

/** CRLF to LF, as clients that write local files store them. */
const lf = (s: string): string => s.replace(/\r\n/g, '\n');

/** An implicit-TLS POP3 session that pipelines `input` and is dropped, without QUIT, once `until` is seen. */
async function dropAfter(port: number, input: string, until: RegExp): Promise<string> {
  const sock = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  let out = '';
  const seen = new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (until.test(out)) resolve();
    });
    sock.once('close', () => reject(new Error(`closed before ${until}: ${out}`)));
    sock.once('error', reject);
  });
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  sock.write(input);
  await seen;
  sock.destroy();
  return out;
}

/** A full implicit-TLS session; retried while the maildrop is still held by a session that is going away. */
async function session(port: number, input: string): Promise<string> {
  for (let i = 0; ; i++) {
    const sock = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString('latin1')));
    await new Promise<void>((r, j) => sock.once('secureConnect', () => r()).once('error', j));
    sock.write(input);
    await new Promise<void>((r) => sock.once('close', () => r()));
    if (!out.includes('[IN-USE]') || i >= 50) return out;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('POP3 on the store', () => {
  let t: TestServer;
  let dir: string;
  const ids = new Map<string, number>();
  const USERS = ['dl@pop.test', 'gm@pop.test', 'fm@pop.test', 'kill@pop.test'];

  const inboxCount = async (user: string): Promise<number | undefined> => (await t.server.services.store.getMailbox(ids.get(user)!, 'INBOX'))?.messages;
  /** The account's message files as the server stored them, LF line ends, sorted. */
  const stored = async (user: string): Promise<string[]> => (await t.maildir(user)).map((f) => lf(f.content)).sort();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-pop3-store-'));
    t = await startTestServer();
    await t.addDomain('pop.test');
    for (const u of USERS) ids.set(u, await t.addUser(u, { password: PASSWORD }));
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    for (const body of MESSAGES) {
      const r = await client.send('a@remote.test', USERS, smtpStuff(body));
      assert.equal(r.final?.code, 250, JSON.stringify(r));
    }
    client.close();
  });
  after(async () => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('poplib over STLS and implicit TLS: STAT, UIDL, RETR exact, DELE at QUIT seen by IMAP', needs('python3'), async () => {
    const script = `
import poplib, ssl, sys, json
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3('127.0.0.1', int(sys.argv[1])); p.stls(context=ctx)
p.user('dl@pop.test'); p.pass_('${PASSWORD}')
count, size = p.stat()
uidl1 = [l.decode() for l in p.uidl()[1]]
lists = [l.decode() for l in p.list()[1]]
msg = b'\\r\\n'.join(p.retr(1)[1]) + b'\\r\\n'
p.dele(1); p.quit()
s = poplib.POP3_SSL('127.0.0.1', int(sys.argv[2]), context=ctx)
s.user('dl@pop.test'); s.pass_('${PASSWORD}')
after = s.stat(); uidl2 = [l.decode() for l in s.uidl()[1]]; s.quit()
print(json.dumps({'count': count, 'size': size, 'uidl1': uidl1, 'lists': lists, 'msg': msg.decode('latin1'), 'after': after, 'uidl2': uidl2}))
`;
    const r = await run('python3', ['-c', script, String(t.pop3Port), String(t.pop3sPort)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as { count: number; size: number; uidl1: string[]; lists: string[]; msg: string; after: [number, number]; uidl2: string[] };
    assert.equal(j.count, 2);
    assert.match(j.msg, /^Return-Path: <a@remote\.test>\r\nDelivered-To: dl@pop\.test\r\n/);
    assert.ok(j.msg.endsWith(MESSAGES[0]), 'RETR ends with the message as sent, dot lines intact');
    assert.equal(Buffer.byteLength(j.msg, 'latin1'), Number(j.lists[0].split(' ')[1]), 'LIST octets equal what RETR sends');
    assert.deepEqual(j.lists.map((l) => Number(l.split(' ')[1])).reduce((a, b) => a + b, 0), j.size, 'LIST octets add up to STAT');
    assert.equal(j.after[0], 1, 'one message left after DELE + QUIT');
    assert.equal(j.uidl2[0].split(' ')[1], j.uidl1[1].split(' ')[1], 'the UIDL of the remaining message is stable');
    assert.equal(await inboxCount('dl@pop.test'), 1, 'the store (and so IMAP) sees the expunge');
  });

  it('getmail over implicit TLS: keeps, skips what it has seen (UIDL), then downloads and deletes', needs('getmail'), async () => {
    const home = path.join(dir, 'getmail');
    await mkdir(home);
    const asRoot = process.getuid?.() === 0;
    // getmail refuses to write a Maildir as root; it then delivers as `user`, who needs the folders.
    if (asRoot) {
      await chmod(dir, 0o755);
      await chmod(home, 0o777);
    }
    const getmail = async (name: string, options: string): Promise<string[]> => {
      const maildir = path.join(home, name);
      for (const sub of ['cur', 'new', 'tmp']) {
        await mkdir(path.join(maildir, sub), { recursive: true });
        if (asRoot) await chmod(path.join(maildir, sub), 0o777);
      }
      const rc = path.join(home, 'getmailrc');
      await writeFile(
        rc,
        [
          '[retriever]',
          'type = SimplePOP3SSLRetriever',
          'server = 127.0.0.1',
          `port = ${t.pop3sPort}`,
          'username = gm@pop.test',
          `password = ${PASSWORD}`,
          '',
          '[destination]',
          'type = Maildir',
          `path = ${maildir}/`,
          ...(asRoot ? ['user = nobody'] : []),
          '',
          '[options]',
          // Only what the server sent: no Delivered-To or Received of getmail's own.
          'delivered_to = false',
          'received = false',
          'verbose = 2',
          options,
          '',
        ].join('\n'),
      );
      // Certificates are not checked: SimplePOP3SSLRetriever without ca_certs verifies nothing.
      const r = await run('getmail', ['--getmaildir', home, '--rcfile', rc]);
      assert.equal(r.code, 0, `getmail exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      const files = await readdir(path.join(maildir, 'new'));
      return (await Promise.all(files.map((f) => readFile(path.join(maildir, 'new', f), 'latin1')))).sort();
    };

    const onServer = await stored('gm@pop.test');
    assert.equal(onServer.length, 2);
    assert.deepEqual(await getmail('keep', 'read_all = false\ndelete = false'), onServer, 'the bytes the server stored, dot lines intact');
    assert.equal(await inboxCount('gm@pop.test'), 2, 'delete = false leaves the messages');
    assert.deepEqual(await getmail('again', 'read_all = false\ndelete = false'), [], 'nothing new: UIDLs are stable across sessions');
    assert.deepEqual(await getmail('delete', 'read_all = true\ndelete = true'), onServer);
    assert.equal(await inboxCount('gm@pop.test'), 0, 'delete = true empties the mailbox');
    assert.deepEqual(await t.maildir('gm@pop.test'), [], 'and the files are gone');
  });

  it('fetchmail over STLS with keep, then over implicit TLS without', needs('fetchmail'), async () => {
    const home = path.join(dir, 'fetchmail');
    await mkdir(home);
    const fetchmail = async (name: string, poll: string): Promise<string[]> => {
      const rc = path.join(home, `${name}.rc`);
      const out = path.join(home, `${name}.mbox`);
      await writeFile(rc, `set no bouncemail\n${poll} mda "cat >> ${out}"\n`);
      await chmod(rc, 0o600);
      const r = await run('fetchmail', ['-f', rc, '-i', path.join(home, `${name}.ids`), '--pidfile', path.join(home, `${name}.pid`), '-v'], { env: { HOME: home, FETCHMAILHOME: home } });
      // 0: mail fetched; 1: no mail.
      assert.ok(r.code === 0 || r.code === 1, `fetchmail exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      const mbox = lf(await readFile(out, 'latin1').catch(() => ''));
      // The MDA gets the messages one after another, each with fetchmail's own Received header
      // after the first two lines; without it, each is the stored message.
      const own = /^Received: from 127\.0\.0\.1 \[127\.0\.0\.1\]\n\tby [^\n]* \(fetchmail-[^\n]*\n\tfor [^\n]*\n/gm;
      return mbox.replace(own, '').split(/(?=^Return-Path: )/m).filter((m) => m !== '').sort();
    };
    const user = `user "fm@pop.test" there with password "${PASSWORD}" is "x" here`;
    const onServer = await stored('fm@pop.test');

    const keep = `poll 127.0.0.1 service ${t.pop3Port} protocol pop3 uidl auth password ${user} keep sslproto 'TLS1.2+' no sslcertck`;
    assert.deepEqual(await fetchmail('keep', keep), onServer, 'the bytes the server stored, dot lines intact');
    assert.equal(await inboxCount('fm@pop.test'), 2, 'keep leaves the messages');
    assert.deepEqual(await fetchmail('keep', keep), onServer, 'not downloaded twice (UIDL)');

    const nokeep = `poll 127.0.0.1 service ${t.pop3sPort} protocol pop3 auth password ${user} ssl no sslcertck`;
    assert.deepEqual(await fetchmail('nokeep', nokeep), onServer);
    assert.equal(await inboxCount('fm@pop.test'), 0, 'without keep the mailbox is emptied');
  });

  it('a connection dropped after DELE deletes nothing', async () => {
    const login = `USER kill@pop.test\r\nPASS ${PASSWORD}\r\n`;
    const before = await session(t.pop3sPort, `${login}UIDL\r\nQUIT\r\n`);
    const out = await dropAfter(t.pop3sPort, `${login}DELE 1\r\nDELE 2\r\nSTAT\r\n`, /\+OK 0 0\r\n/);
    assert.match(out, /\+OK Message 1 deleted\r\n\+OK Message 2 deleted\r\n/);
    // The next session waits (IN-USE) until the dropped one has released the maildrop.
    const afterDrop = await session(t.pop3sPort, `${login}UIDL\r\nQUIT\r\n`);
    assert.match(afterDrop, /\+OK Logged in, 2 messages/);
    const uidls = (s: string): string => s.slice(s.indexOf('+OK 2 messages'));
    assert.equal(uidls(afterDrop), uidls(before), 'the same messages with the same UIDLs');
    assert.equal(await inboxCount('kill@pop.test'), 2, 'the store still has both');
    assert.equal((await t.maildir('kill@pop.test')).length, 2);
  });
});
