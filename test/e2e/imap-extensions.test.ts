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
def lit(m, line, data, tail=b''):
    """A command ending in a synchronizing literal: waits for "+", sends the data."""
    tag = m._new_tag()
    m.send(tag + b' ' + line.encode() + b' {' + str(len(data)).encode() + b'}\\r\\n')
    first = m.readline().decode().rstrip('\\r\\n')
    if not first.startswith('+'):
        return [first]
    m.send(data + tail + b'\\r\\n')
    out = []
    while True:
        l = m.readline().decode('utf-8', 'replace').rstrip('\\r\\n')
        out.append(l)
        if l.startswith(tag.decode() + ' '):
            return out
def msg(subject):
    return ('From: a@ext.test\\r\\nSubject: ' + subject + '\\r\\n\\r\\nbody\\r\\n').encode()
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

  it('REPLACE and UID REPLACE: APPENDUID, then EXPUNGE, in one change', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
m.login('ann@ext.test', 'secret')
show(*raw(m, 'CAPABILITY'))
m.create('R')
for s in ('one', 'two', 'three'):
    m.append('R', None, None, msg(s))
m.select('R')
show(*lit(m, 'REPLACE 1 Drafts (\\Draft)', msg('one v2')))
show(*lit(m, 'UID REPLACE 3 R (\\Seen)', msg('three v2')))
show(*raw(m, 'UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
show(*lit(m, 'REPLACE 1 Nowhere', msg('lost')))
show(*lit(m, 'UID REPLACE 99 R', msg('lost')))
show(*lit(m, 'REPLACE 9 R', msg('lost')))
show(*raw(m, 'STATUS R (MESSAGES)'))
show(*raw(m, 'STATUS Drafts (MESSAGES)'))
show(*raw(m, 'EXAMINE R'))
show(*lit(m, 'REPLACE 1 R', msg('lost')))
m.logout()
`);
    assert.match(out[0][0], / REPLACE( |$)/);
    assert.match(out[1][0], /^\* OK \[APPENDUID \d+ 1\] /);
    assert.equal(out[1][1], '* 1 EXPUNGE');
    assert.equal(out[1][2], '* 2 RECENT'); // the old message was \\Recent here (RFC 3501 §7.3.2)
    assert.match(out[1][3], / OK REPLACE completed$/);
    assert.match(out[2][0], /^\* OK \[APPENDUID \d+ 4\] /);
    assert.equal(out[2][1], '* 2 EXPUNGE');
    assert.equal(out[2][2], '* 1 RECENT');
    assert.equal(out[2][3], '* 2 EXISTS');
    const fetched = out[3].join('\n');
    assert.match(fetched, /UID 2 FLAGS \((\\Recent)?\)[\s\S]*Subject: two/);
    assert.match(fetched, /UID 4 FLAGS \(\\Seen( \\Recent)?\)[\s\S]*Subject: three v2/);
    assert.match(out[4].at(-1)!, / NO \[TRYCREATE\]/);
    assert.match(out[5].at(-1)!, / NO \[NONEXISTENT\]/);
    assert.match(out[6].at(-1)!, / BAD /);
    assert.match(out[7][0], /MESSAGES 2/);
    assert.match(out[8][0], /MESSAGES 1/);
    assert.match(out[10].at(-1)!, / NO \[READ-ONLY\]/);
  });

  it('METADATA: server and mailbox entries, DEPTH, MAXSIZE, limits, gone with the mailbox', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
m.login('ann@ext.test', 'secret')
show(*raw(m, 'CAPABILITY'))
show(*raw(m, 'SETMETADATA "" (/shared/comment "Server note" /private/vendor/mh/theme "dark")'))
show(*raw(m, 'GETMETADATA "" /shared/comment'))
show(*raw(m, 'GETMETADATA "" (DEPTH infinity) /private'))
show(*lit(m, 'SETMETADATA INBOX (/private/comment', b'two\\r\\nlines', b')'))
show(*raw(m, 'SETMETADATA INBOX (/Shared/Comment "for you" /private/filters/values/small "SMALLER 5000" /private/filters/values/boss/x "deep")'))
show(*raw(m, 'GETMETADATA INBOX (/shared/comment /private/comment /private/nothing)'))
show(*raw(m, 'GETMETADATA INBOX (DEPTH 1) /private/filters/values'))
show(*raw(m, 'GETMETADATA INBOX (MAXSIZE 8 DEPTH infinity) /private'))
show(*raw(m, 'SETMETADATA INBOX (/private/comment NIL)'))
show(*raw(m, 'GETMETADATA INBOX /private/comment'))
show(*lit(m, 'SETMETADATA INBOX (/private/big', b'x' * 20000, b')'))
show(*raw(m, 'SETMETADATA INBOX (' + ' '.join('/private/n%d "v"' % i for i in range(101)) + ')'))
show(*raw(m, 'GETMETADATA INBOX /private/n1'))
show(*raw(m, 'SETMETADATA INBOX (/private/bad* "v")'))
show(*raw(m, 'SETMETADATA INBOX (/comment "v")'))
show(*raw(m, 'SETMETADATA "" (/shared/admin "mailto:x@y")'))
show(*raw(m, 'SETMETADATA Nowhere (/private/comment "v")'))
m.create('Notes')
show(*raw(m, 'SETMETADATA Notes (/private/comment "old")'))
m.rename('Notes', 'Notes2')
show(*raw(m, 'GETMETADATA Notes2 /private/comment'))
m.delete('Notes2')
m.create('Notes2')
show(*raw(m, 'GETMETADATA Notes2 /private/comment'))
m.logout()
`);
    const caps = out[0][0];
    assert.ok(caps.includes(' METADATA ') && caps.includes(' METADATA-SERVER'), caps);
    assert.match(out[1].at(-1)!, / OK SETMETADATA completed$/);
    assert.equal(out[2][0], '* METADATA "" (/shared/comment "Server note")');
    assert.equal(out[3][0], '* METADATA "" (/private/vendor/mh/theme "dark")');
    assert.match(out[4].at(-1)!, / OK /);
    assert.match(out[5].at(-1)!, / OK /);
    assert.deepEqual(out[6].slice(0, 3), ['* METADATA INBOX (/private/comment {10}', 'two', 'lines /shared/comment "for you" /private/nothing NIL)']);
    assert.equal(out[7][0], '* METADATA INBOX (/private/filters/values/small "SMALLER 5000")');
    assert.equal(out[8][0], '* METADATA INBOX (/private/filters/values/boss/x "deep")');
    assert.match(out[8].at(-1)!, / OK \[METADATA LONGENTRIES 12\] /);
    assert.equal(out[10][0], '* METADATA INBOX (/private/comment NIL)');
    assert.match(out[11].at(-1)!, / NO \[METADATA MAXSIZE 16384\] /);
    assert.match(out[12].at(-1)!, / NO \[METADATA TOOMANY\] /);
    assert.equal(out[13][0], '* METADATA INBOX (/private/n1 NIL)', 'nothing of the refused command was kept');
    assert.match(out[14].at(-1)!, / BAD /);
    assert.match(out[15].at(-1)!, / BAD /);
    assert.match(out[16].at(-1)!, / NO /);
    assert.match(out[17].at(-1)!, / NO \[NONEXISTENT\]/);
    assert.equal(out[19][0], '* METADATA Notes2 (/private/comment "old")');
    assert.equal(out[20][0], '* METADATA Notes2 (/private/comment NIL)');
  });

  it('issue-4 leftovers: DELETE of a parent keeps its children (\\Noselect), SETQUOTA is NO, "." is refused', needs('python3'), async () => {
    const out = await py(t, `
m = imaplib.IMAP4('127.0.0.1', port)
m.login('bob@ext.test', 'other')
m.create('Parent/Child')
m.append('Parent', None, None, msg('in parent'))
show(*raw(m, 'DELETE Parent'))
show(*raw(m, 'LIST "" "Parent*"'))
show(*raw(m, 'LIST "" %'))
show(*raw(m, 'SELECT Parent'))
show(*raw(m, 'DELETE Parent'))
show(*raw(m, 'STATUS Parent/Child (MESSAGES)'))
show(*raw(m, 'SETQUOTA "" (STORAGE 100)'))
show(*raw(m, 'CREATE a.b'))
m.logout()
`);
    assert.match(out[0].at(-1)!, / OK /);
    assert.deepEqual(out[1].slice(0, -1), ['* LIST (\\Noselect \\HasChildren) "/" Parent', '* LIST (\\HasNoChildren) "/" Parent/Child']);
    assert.ok(out[2].includes('* LIST (\\Noselect \\HasChildren) "/" Parent'), out[2].join('\n'));
    assert.match(out[3].at(-1)!, / NO \[NONEXISTENT\]/);
    assert.match(out[4].at(-1)!, / NO /);
    assert.match(out[5][0], /MESSAGES 0/);
    assert.match(out[6].at(-1)!, / NO \[NOPERM\]/);
    assert.match(out[7].at(-1)!, / NO \[CANNOT\] Character not allowed in mailbox name: \./);
  });
});

