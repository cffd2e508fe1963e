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
  it('CONDSTORE: FETCH MODSEQ enables it, STORE UNCHANGEDSINCE answers MODIFIED, CHANGEDSINCE, SEARCH MODSEQ', needs('python3'), async () => {
    const a = await user();
    const out = await py(t, `
m = conn('${a}')
add(m, 4)
cmd(m, 'a0 SELECT INBOX')
cmd(m, 'a1 SELECT INBOX')
show(cmd(m, 'a2 STORE 1 +FLAGS (\\\\Seen)'))
show(cmd(m, 'a3 FETCH 2 (MODSEQ)'))
show(cmd(m, 'a4 STORE 1,2 (UNCHANGEDSINCE 5) +FLAGS (\\\\Flagged)'))
show(cmd(m, 'a5 STORE 3 +FLAGS.SILENT (\\\\Answered)'))
show(cmd(m, 'a6 UID STORE 4 (UNCHANGEDSINCE 0) +FLAGS.SILENT ($x)'))
show(cmd(m, 'a7 FETCH 1:* (FLAGS) (CHANGEDSINCE 6)'))
show(cmd(m, 'a8 SEARCH MODSEQ 7'))
show(cmd(m, 'a9 SEARCH RETURN (MIN) MODSEQ "/flags/\\\\\\\\draft" all 7'))
show(cmd(m, 'a10 UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)'))
show(cmd(m, 'a11 SELECT INBOX (QRESYNC (1 1))'))
o = conn('${a}')
cmd(o, 'b1 SELECT INBOX')
cmd(o, 'b2 STORE 4 +FLAGS.SILENT (\\\\Draft)')
show(cmd(m, 'a12 NOOP'))
show(cmd(m, 'a13 STATUS INBOX (HIGHESTMODSEQ MESSAGES)'))
show(cmd(m, 'a14 FETCH 4 (BODY[TEXT])'))
show(cmd(m, 'a15 STORE 2 (UNCHANGEDSINCE 7) FLAGS.SILENT (\\\\Seen)'))
`);
    // MODSEQs: the appends 2..5; \\Seen on 1 → 6.
    assert.deepEqual(out[0], ['* 1 FETCH (FLAGS (\\Seen))', 'a2 OK STORE completed']);
    // The first CONDSTORE enabling command with a mailbox selected tells HIGHESTMODSEQ.
    assert.deepEqual(out[1], ['* OK [HIGHESTMODSEQ 6] Highest', '* 2 FETCH (MODSEQ (3))', 'a3 OK FETCH completed']);
    // 1 changed at 6 > 5: left alone; 2 passes and gets 7.
    assert.deepEqual(out[2], ['* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (7))', 'a4 OK [MODIFIED 1] Conditional STORE failed for some messages']);
    assert.deepEqual(out[3], ['* 3 FETCH (UID 3 MODSEQ (8))', 'a5 OK STORE completed']);
    assert.deepEqual(out[4], ['a6 OK [MODIFIED 4] Conditional STORE failed for some messages']);
    assert.deepEqual(out[5], ['* 2 FETCH (FLAGS (\\Flagged) MODSEQ (7))', '* 3 FETCH (FLAGS (\\Answered) MODSEQ (8))', 'a7 OK FETCH completed']);
    assert.deepEqual(out[6], ['* SEARCH 2 3 (MODSEQ 8)', 'a8 OK SEARCH completed']);
    assert.deepEqual(out[7], ['* ESEARCH (TAG "a9") MIN 2 MODSEQ 7', 'a9 OK SEARCH completed']);
    assert.match(out[8][0], /^a10 BAD .*QRESYNC/);
    assert.match(out[9][0], /^a11 BAD .*QRESYNC/);
    // A change by another session carries UID and MODSEQ.
    assert.deepEqual(out[10], ['* 4 FETCH (UID 4 FLAGS (\\Draft) MODSEQ (9))', 'a12 OK NOOP completed']);
    assert.deepEqual(out[11], ['* STATUS INBOX (HIGHESTMODSEQ 9 MESSAGES 4)', 'a13 OK STATUS completed']);
    // A FETCH that sets \\Seen reports the change with UID and MODSEQ (RFC 7162 §3.2.4).
    assert.equal(out[12][0], '* 4 FETCH (UID 4 BODY[TEXT] {8}');
    assert.equal(out[12].at(-2), ' FLAGS (\\Seen \\Draft) MODSEQ (10))');
    assert.deepEqual(out[13], ['* 2 FETCH (UID 2 MODSEQ (11))', 'a15 OK STORE completed']);
  });

  it('QRESYNC: VANISHED for EXPUNGE, UID EXPUNGE, MOVE and during IDLE; HIGHESTMODSEQ while expunges wait', needs('python3'), async () => {
    const a = await user();
    const out = await py(t, `
m = conn('${a}')
add(m, 6)
show(cmd(m, 'b0 ENABLE QRESYNC CONDSTORE'))
cmd(m, 'b1 SELECT INBOX')
show(cmd(m, 'b2 STORE 1:2 +FLAGS.SILENT (\\\\Deleted)'))
show(cmd(m, 'b3 EXPUNGE'))
cmd(m, 'b4 UID STORE 3 +FLAGS.SILENT (\\\\Deleted)')
show(cmd(m, 'b5 UID EXPUNGE 3'))
show(cmd(m, 'b6 CREATE Other'))
show(cmd(m, 'b7 MOVE 1 Other'))
m.send(b'b8 IDLE\\r\\n')
show([m.readline().decode().rstrip()])
o = conn('${a}')
cmd(o, 'c1 SELECT INBOX')
cmd(o, 'c2 STORE 1 +FLAGS.SILENT (\\\\Deleted)')
cmd(o, 'c3 EXPUNGE')
show([m.readline().decode().rstrip() for _ in range(3)])
m.send(b'DONE\\r\\n')
show([m.readline().decode().rstrip()])
add(o, 1)
cmd(o, 'c4 UID STORE 6 +FLAGS.SILENT (\\\\Deleted)')
cmd(o, 'c5 UID EXPUNGE 6')
show(cmd(m, 'b9 UID FETCH 6 (FLAGS)'))
show(cmd(m, 'b10 NOOP'))
show(cmd(m, 'b11 CLOSE'))
`);
    assert.deepEqual(out[0], ['* ENABLED QRESYNC CONDSTORE', 'b0 OK ENABLE completed']);
    // Appends 2..7; \\Deleted on 1:2 → 8; EXPUNGE → 9.
    assert.deepEqual(out[1], ['* 1 FETCH (UID 1 MODSEQ (8))', '* 2 FETCH (UID 2 MODSEQ (8))', 'b2 OK STORE completed']);
    // The expunged messages were \\Recent in this IMAP4rev1 session: RECENT follows (RFC 3501 §7.3.2).
    assert.deepEqual(out[2], ['* VANISHED 1:2', '* 4 RECENT', 'b3 OK [HIGHESTMODSEQ 9] EXPUNGE completed']);
    // \\Deleted on 3 → 10 (its FETCH was read with b4); UID EXPUNGE → 11.
    assert.deepEqual(out[3], ['* VANISHED 3', '* 3 RECENT', 'b5 OK [HIGHESTMODSEQ 11] EXPUNGE completed']);
    assert.match(out[4][0], /^b6 OK \[MAILBOXID \(F[0-9a-f]{24}\)\] CREATE completed$/);
    assert.equal(out[5].length, 4);
    assert.match(out[5][0], /^\* OK \[COPYUID \d+ 4 1\] Moved$/);
    // RFC 6851 §4.4: MOVE's expunge (→ 12) is told in the tagged OK, as EXPUNGE's is.
    assert.deepEqual(out[5].slice(1), ['* VANISHED 4', '* 2 RECENT', 'b7 OK [HIGHESTMODSEQ 12] MOVE completed']);
    assert.deepEqual(out[6], ['+ idling']);
    // MOVE's expunge → 12; the other session's \\Deleted on 5 → 13, its EXPUNGE → 14.
    // (\\Recent: this IMAP4rev1 session was the first to select INBOX.)
    assert.deepEqual(out[7], ['* 1 FETCH (UID 5 FLAGS (\\Deleted \\Recent) MODSEQ (13))', '* VANISHED 5', '* 1 RECENT']);
    assert.deepEqual(out[8], ['b8 OK IDLE terminated']);
    // New message 7 (MODSEQ 15), \\Deleted on 6 (16), expunge of 6 (17): during UID FETCH the
    // expunge waits, so the client is told a HIGHESTMODSEQ below it.
    const fetch = out[9];
    assert.deepEqual(fetch, [
      '* 2 EXISTS',
      '* 1 RECENT',
      '* OK [HIGHESTMODSEQ 16] Expunges pending',
      // Only an expunged message asked for: a tagged NO alone (RFC 2180 §4.1.3).
      'b9 NO [EXPUNGEISSUED] The messages were expunged by another session',
    ]);
    // 6 was this session's last \\Recent message (7 is the appending session's).
    assert.deepEqual(out[10], ['* VANISHED 6', '* 0 RECENT', 'b10 OK NOOP completed']);
    // CLOSE sends neither VANISHED nor HIGHESTMODSEQ (RFC 7162 §3.2.8).
    assert.deepEqual(out[11], ['b11 OK CLOSE completed']);
  });

  it('OBJECTID and SAVEDATE: MAILBOXID kept across RENAME, EMAILID kept by COPY, save dates apart from internal dates; STATUS SIZE', needs('python3'), async () => {
    const a = await user();
    const out = await py(t, `
m = conn('${a}')
for i in range(2):
    m.append('INBOX', None, '"01-Jan-2020 10:00:00 +0000"', ('Subject: old %d\\r\\n\\r\\nhello\\r\\n' % i).encode())
sel = cmd(m, 'd1 SELECT INBOX')
show([l for l in sel if 'MAILBOXID' in l])
show(cmd(m, 'd2 FETCH 1:2 (EMAILID THREADID SAVEDATE INTERNALDATE RFC822.SIZE)'))
show(cmd(m, 'd3 STATUS INBOX (MAILBOXID SIZE MESSAGES)'))
show(cmd(m, 'd4 SEARCH SAVEDBEFORE 1-Jan-2021'))
show(cmd(m, 'd5 SEARCH BEFORE 1-Jan-2021 SAVEDSINCE 1-Jan-2021 SAVEDATESUPPORTED'))
cmd(m, 'd6 CREATE Other')
show(cmd(m, 'd7 STATUS Other (MAILBOXID)'))
cmd(m, 'd8 COPY 2 Other')
cmd(m, 'd9 RENAME Other Renamed')
show(cmd(m, 'd10 STATUS Renamed (MAILBOXID)'))
cmd(m, 'd11 SELECT Renamed')
show(cmd(m, 'd12 FETCH 1 (EMAILID)'))
e = re.search(r'EMAILID \\((\\w+)\\)', cmd(m, 'd13 FETCH 1 (EMAILID)')[0]).group(1)
cmd(m, 'd14 SELECT INBOX')
show(cmd(m, 'd15 SEARCH EMAILID %s' % e))
show(cmd(m, 'd16 SEARCH THREADID T1'))
`);
    assert.equal(out[0].length, 1);
    const [, mailboxId] = /^\* OK \[MAILBOXID \((F[0-9a-f]{24})\)\] Ok$/.exec(out[0][0]) ?? [];
    assert.ok(mailboxId, out[0][0]);
    const fetched = out[1].slice(0, 2);
    const sizes: number[] = [];
    const today = new Date();
    for (const [i, line] of fetched.entries()) {
      const m = /^\* (\d) FETCH \(EMAILID \((M[0-9a-f]{8,})\) THREADID NIL SAVEDATE "(\d\d)-(\w{3})-(\d{4}) [^"]+" INTERNALDATE "01-Jan-2020 10:00:00 \+0000" RFC822.SIZE (\d+)\)$/.exec(line);
      assert.ok(m, line);
      assert.equal(Number(m[1]), i + 1);
      assert.equal(Number(m[5]), today.getUTCFullYear());
      sizes.push(Number(m[6]));
    }
    assert.notEqual(/EMAILID \((\w+)\)/.exec(fetched[0])![1], /EMAILID \((\w+)\)/.exec(fetched[1])![1]);
    // STATUS=SIZE (RFC 8438) is the sum of RFC822.SIZE.
    assert.deepEqual(out[2], [`* STATUS INBOX (MAILBOXID (${mailboxId}) SIZE ${sizes[0] + sizes[1]} MESSAGES 2)`, 'd3 OK STATUS completed']);
    assert.deepEqual(out[3], ['* SEARCH', 'd4 OK SEARCH completed']);
    assert.deepEqual(out[4], ['* SEARCH 1 2', 'd5 OK SEARCH completed']);
    const other = /MAILBOXID \((\w+)\)/.exec(out[5][0])![1];
    assert.notEqual(other, mailboxId);
    assert.equal(/MAILBOXID \((\w+)\)/.exec(out[6][0])![1], other);
    // COPY keeps the EMAILID (RFC 8474 §5.1); SEARCH EMAILID finds the original.
    assert.equal(/EMAILID \((\w+)\)/.exec(out[7][0])![1], /EMAILID \((\w+)\)/.exec(fetched[1])![1]);
    assert.deepEqual(out[8], ['* SEARCH 2', 'd15 OK SEARCH completed']);
    assert.deepEqual(out[9], ['* SEARCH', 'd16 OK SEARCH completed']);
  });
});
