// Issue 5 extensions through Python's imaplib (raw exchanges where imaplib has no method):
// UNAUTHENTICATE (RFC 8437), REPLACE (RFC 8508), METADATA (RFC 5464).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

const PRELUDE = `
import imaplib, sys, json
port = int(sys.argv[1])
def show(*a):
    print(json.dumps([x.decode('utf-8', 'replace') if isinstance(x, bytes) else str(x) for x in a]))
def raw(m, line):
    """Sends one command line, returns every line up to its tagged answer."""
    tag = m._new_tag()
    m.send(tag + b' ' + line.encode() + b'\\r\\n')
    out = []
    while True:
        l = m.readline().decode('utf-8', 'replace').rstrip('\\r\\n')
        out.append(l)
        if l.startswith(tag.decode() + ' '):
            return out
`;

async function py(t: TestServer, body: string): Promise<string[][]> {
  const r = await run('python3', ['-c', PRELUDE + body, String(t.imapPort)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
}

describe('IMAP extensions with Python imaplib', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('ext.test');
    await t.addUser('ann@ext.test');
    await t.addUser('bob@ext.test', { password: 'other' });
  });
  after(() => t.stop());

  it('UNAUTHENTICATE releases the mailbox and the login; another user may log in', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
show(*m.capabilities)
m.login('ann@ext.test', 'secret')
m.select('INBOX')
show(*raw(m, 'UNAUTHENTICATE'))
show(*raw(m, 'SELECT INBOX'))
show(*raw(m, 'CAPABILITY'))
show(*raw(m, 'LOGIN bob@ext.test other'))
show(*raw(m, 'SELECT INBOX'))
show(*raw(m, 'UNAUTHENTICATE'))
show(*raw(m, 'UNAUTHENTICATE'))
show(*raw(m, 'LOGIN ann@ext.test secret'))
show(*raw(m, 'NOOP'))
show(*raw(m, 'LOGOUT'))
`);
    assert.ok(out[0].includes('UNAUTHENTICATE'));
    assert.match(out[1].at(-1)!, /OK Unauthenticate completed$/);
    assert.match(out[2].at(-1)!, / BAD Log in first$/);
    assert.ok(out[3][0].includes('AUTH=PLAIN') && !out[3][0].includes('UIDPLUS'), out[3][0]);
    assert.match(out[4].at(-1)!, / OK /);
    assert.match(out[5].at(-1)!, / OK \[READ-WRITE\]/);
    assert.match(out[6].at(-1)!, / OK /);
    assert.match(out[7].at(-1)!, / BAD Log in first$/);
    assert.match(out[8].at(-1)!, / OK /);
    assert.match(out[9].at(-1)!, / OK /);
  });
});
