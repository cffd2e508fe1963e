// Python's imaplib against the real server: capabilities on loopback, LOGIN with literals,
// STARTTLS, and the mailbox-name safety rules seen from a client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

const PRELUDE = `
import imaplib, ssl, sys, json
port = int(sys.argv[1])
def show(*a):
    print(json.dumps([x.decode('utf-8', 'replace') if isinstance(x, bytes) else str(x) for x in a]))
`;

async function py(t: TestServer, body: string): Promise<string[][]> {
  const r = await run('python3', ['-c', PRELUDE + body, String(t.imapPort)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
}

describe('IMAP with Python imaplib', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('py.test');
    await t.addUser('kim@py.test', { password: 'pa ss"word' });
  });
  after(() => t.stop());

  it('offers AUTH= and no LOGINDISABLED on loopback, logs in, and answers garbage with BAD', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
show(m.welcome)
show(*m.capabilities)
typ, data = m.login('kim@py.test', 'pa ss"word')
show(typ, *data)
m.send(b'x1 FROBNICATE\\r\\n')
show(m.readline())
m.send(b'\\r\\n')
show(m.readline())
m.send(b'x2 SELECT\\r\\n')
show(m.readline())
typ, data = m.noop()
show(typ)
m.logout()
`);
    assert.match(out[0][0], /^\* OK \[CAPABILITY IMAP4rev1 .*\] Mailhaven ready$/);
    assert.ok(out[1].includes('AUTH=PLAIN') && out[1].includes('STARTTLS') && !out[1].includes('LOGINDISABLED'), out[1].join(' '));
    assert.equal(out[2][0], 'OK');
    assert.match(out[3][0], /^x1 BAD /);
    assert.match(out[4][0], /^\* BAD /);
    assert.match(out[5][0], /^x2 BAD /);
    assert.equal(out[6][0], 'OK');
  });

  it('takes a password as a synchronizing literal and APPENDs with one', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
m.literal = b'pa ss"word'
typ, data = m._simple_command('LOGIN', 'kim@py.test')
m.state = 'AUTH'
show(typ)
typ, data = m.append('INBOX', '(\\\\Seen)', None, b'Subject: via python\\r\\n\\r\\nhi\\r\\n')
show(typ, *data)
typ, data = m.select('INBOX')
show(typ, *data)
typ, data = m.fetch('1', '(FLAGS BODY[HEADER.FIELDS (SUBJECT)])')
show(typ, *[x if isinstance(x, bytes) else b'|'.join(x) for x in data])
typ, data = m.search(None, 'SEEN', 'SUBJECT', '"via python"')
show(typ, *data)
m.logout()
`);
    assert.equal(out[0][0], 'OK');
    assert.equal(out[1][0], 'OK');
    assert.match(out[1][1], /^\[APPENDUID \d+ 1\] /);
    assert.deepEqual(out[2].slice(0, 2), ['OK', '1']);
    // imaplib speaks IMAP4rev1 and is the first to select INBOX since the APPEND: \Recent.
    assert.match(out[3][1], /FLAGS \(\\Seen \\Recent\)/);
    assert.match(out[3][1], /Subject: via python/);
    assert.deepEqual(out[4], ['OK', '1']);
  });

  it('upgrades with STARTTLS and logs in over TLS', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
typ, data = m.starttls(ssl_context=ctx)
show(typ, m.sock.version())
typ, data = m.capability()
show(typ, *data)
typ, data = m.login('kim@py.test', 'pa ss"word')
show(typ)
m.logout()
`);
    assert.equal(out[0][0], 'OK');
    assert.match(out[0][1], /TLSv1\.[23]/);
    assert.ok(!/STARTTLS/.test(out[1][1]), 'STARTTLS is not offered again');
    assert.equal(out[2][0], 'OK');
  });

  it('refuses mailbox names that could escape the Maildir or clash with it', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
m.login('kim@py.test', 'pa ss"word')
for name in ['"../x"', '"a//b"', 'tmp', '"Work/cur"', '"/etc"', '"a.b"', '"~root"', '".hidden"', '"x/"', '"&AGE-&AGE-"', '"&Jjo"', '{3}']:
    try:
        if name == '{3}':
            m.literal = b'a\\x01b'
            typ, data = m._simple_command('CREATE')
        else:
            typ, data = m._simple_command('CREATE', name)
        show(name, typ, *data)
    except imaplib.IMAP4.error as e:
        show(name, 'BAD', str(e))
typ, data = m._simple_command('CREATE', '"Caf&AOk-"')
show('cafe', typ)
typ, data = m.list()
show(typ, *data)
m.logout()
`);
    const results = out.slice(0, -2);
    for (const r of results) {
      // "x/" creates "x" (a trailing delimiter is allowed); everything else is refused.
      if (r[0] === '"x/"') assert.equal(r[1], 'OK', r.join(' '));
      else assert.notEqual(r[1], 'OK', `${r[0]} was accepted`);
    }
    assert.equal(out.at(-2)![1], 'OK');
    const list = out.at(-1)!.join('\n');
    assert.match(list, /"\/" Caf&AOk-/);
    assert.ok(!/\.\.|tmp|etc|root/.test(list), list);
    const dirs = await import('node:fs/promises').then((fs) => fs.readdir(`${t.dataDir}/mail/py.test/kim`));
    assert.ok(dirs.includes('.Caf&AOk-') && dirs.includes('.x'), dirs.join());
    assert.ok(!dirs.some((d) => /^\.(\.|tmp$|etc|~)/.test(d)), dirs.join());
  });
});
