// CONDSTORE/QRESYNC (RFC 7162), OBJECTID (RFC 8474) and SAVEDATE (RFC 8514) on the wire, with
// Python's imaplib sending raw commands so every response line can be asserted exactly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

// cmd(m, line): sends one command, returns every line up to and including the tagged one.
const PRELUDE = String.raw`
import imaplib, sys, json, re
port = int(sys.argv[1])
def conn(user='ada@sync.test'):
    m = imaplib.IMAP4('127.0.0.1', port)
    m.login(user, 'secret')
    return m
def cmd(m, line):
    tag = line.split(' ', 1)[0]
    m.send(line.encode() + b'\r\n')
    out = []
    while True:
        l = m.readline().decode('utf-8', 'replace').rstrip('\r\n')
        out.append(l)
        if l.startswith(tag + ' '):
            return out
def show(lines):
    print(json.dumps(lines))
def add(m, n, mailbox='INBOX'):
    for i in range(n):
        m.append(mailbox, None, None, ('Subject: m%d\r\n\r\nbody %d\r\n' % (i, i)).encode())
def code(lines, name):
    for l in lines:
        x = re.search(r'\[' + name + r' ([^\]]+)\]', l)
        if x: return x.group(1)
`;

async function py(t: TestServer, body: string): Promise<string[][]> {
  const r = await run('python3', ['-c', PRELUDE + body, String(t.imapPort)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
}

/** The lines of a response that start with one of the prefixes. */
const pick = (lines: string[], ...prefixes: string[]): string[] => lines.filter((l) => prefixes.some((p) => l.startsWith(p)));

describe('IMAP CONDSTORE, QRESYNC, OBJECTID, SAVEDATE', () => {
  let t: TestServer;
  let n = 0;
  /** A fresh user per test, so MODSEQs are predictable. */
  const user = async (): Promise<string> => {
    const a = `u${++n}@sync.test`;
    await t.addUser(a);
    return a;
  };
  before(async () => {
    t = await startTestServer();
    await t.addDomain('sync.test');
  });
  after(() => t.stop());

  it('QRESYNC resync: after another session expunges and flags, SELECT (QRESYNC ...) returns exactly what changed', needs('python3'), async () => {
    const a = await user();
    const out = await py(t, `
m = conn('${a}')
add(m, 6)
sel = cmd(m, 'a1 SELECT INBOX')
uv, hms = code(sel, 'UIDVALIDITY'), code(sel, 'HIGHESTMODSEQ')
show([uv, hms])
m.logout()
o = conn('${a}')
cmd(o, 'b1 SELECT INBOX')
cmd(o, 'b2 STORE 2 +FLAGS.SILENT (\\\\Flagged)')
cmd(o, 'b3 STORE 3:4 +FLAGS.SILENT (\\\\Deleted)')
cmd(o, 'b4 EXPUNGE')
cmd(o, 'b5 UID STORE 5 +FLAGS.SILENT (\\\\Seen)')
add(o, 1)
o.logout()
m = conn('${a}')
show(cmd(m, 'c1 ENABLE QRESYNC'))
show(cmd(m, 'c2 SELECT INBOX (QRESYNC (%s %s 1:6))' % (uv, hms)))
show(cmd(m, 'c3 SELECT INBOX (QRESYNC (%s %s))' % (uv, hms)))
show(cmd(m, 'c4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE %s VANISHED)' % hms))
show(cmd(m, 'c5 SELECT INBOX (QRESYNC (%s 10 1:7 (1:2 1:2)))' % uv))
show(cmd(m, 'c6 SELECT INBOX (QRESYNC (%d %s 1:6))' % (int(uv) + 1, hms)))
m.logout()
`);
    const [uv, hms] = out[0];
    // Six appends: MODSEQs 2..7. Then: \\Flagged on 2 → 8, \\Deleted on 3:4 → 9, EXPUNGE → 10,
    // \\Seen on 5 → 11, the new message (UID 7) → 12.
    assert.equal(hms, '7');
    assert.deepEqual(out[1], ['* ENABLED QRESYNC', 'c1 OK ENABLE completed']);
    const sel = out[2];
    assert.ok(sel.includes('* 5 EXISTS'), sel.join('\n'));
    assert.ok(sel.includes(`* OK [UIDVALIDITY ${uv}] UIDs valid`));
    assert.ok(sel.includes('* OK [HIGHESTMODSEQ 12] Highest'));
    assert.deepEqual(pick(sel, '* VANISHED', '* 2 FETCH', '* 3 FETCH', '* 4 FETCH', '* 5 FETCH', '* 1 FETCH'), [
      '* VANISHED (EARLIER) 3:4',
      '* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (8))',
      '* 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (11))',
    ]);
    // VANISHED and FETCH come after the usual SELECT data, right before the tagged OK.
    assert.equal(sel.indexOf('* VANISHED (EARLIER) 3:4'), sel.length - 4);
    assert.match(sel[sel.length - 1], /^c2 OK \[READ-WRITE\]/);
    // Without known UIDs the scope is 1:UIDNEXT-1, so the new message is in it (no longer
    // \Recent: c2 was the first to see it); reselecting closes the previous mailbox first.
    const again = out[3];
    assert.equal(again[0], '* OK [CLOSED] Previous mailbox closed');
    assert.deepEqual(pick(again, '* VANISHED', '* 2 FETCH', '* 3 FETCH', '* 5 FETCH'), [
      '* VANISHED (EARLIER) 3:4',
      '* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (8))',
      '* 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (11))',
      '* 5 FETCH (UID 7 FLAGS () MODSEQ (12))',
    ]);
    assert.deepEqual(out[4], [
      '* VANISHED (EARLIER) 3:4',
      '* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (8))',
      '* 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (11))',
      '* 5 FETCH (UID 7 FLAGS () MODSEQ (12))',
      'c4 OK FETCH completed',
    ]);
    // From MODSEQ 10 only the \\Seen on UID 5 is new; seq 2 = UID 2 matches, so nothing at or
    // below UID 2 may vanish (and the expunge of 3:4 at MODSEQ 10 is not after 10 anyway).
    assert.deepEqual(pick(out[5], '* VANISHED', '* 3 FETCH', '* 5 FETCH'), ['* 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (11))', '* 5 FETCH (UID 7 FLAGS () MODSEQ (12))']);
    // Another UIDVALIDITY: the parameters are ignored.
    assert.deepEqual(pick(out[6], '* VANISHED', '* 2 FETCH', '* 3 FETCH', '* 5 FETCH'), []);
  });
});
