// SORT, THREAD, ESORT, PARTIAL, SEARCHRES, WITHIN and PREVIEW on the wire: Python's imaplib
// sends raw commands to the real server and the tests compare the exact responses, on a
// mailbox crafted for the RFC 5256 corner cases (Re:/Fwd:/[list]/(fwd)/[fwd: ] subjects,
// references to missing parents, duplicate and self-referencing Message-IDs, no Date:).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

const PRELUDE = `
import imaplib, sys, json
port = int(sys.argv[1])
m = imaplib.IMAP4('127.0.0.1', port)
m.login('sam@sort.test', 'secret')
n = [0]
def cmd(line, c=m, tag=None, show=True):
    n[0] += 1
    t = tag or 'T%d' % n[0]
    c.send(('%s %s\\r\\n' % (t, line)).encode('utf-8'))
    out = []
    while True:
        l = c.readline().decode('utf-8').rstrip('\\r\\n')
        out.append(l if tag else l.replace(t + ' ', 'TAG ', 1).replace('"' + t + '"', '"TAG"'))
        if l.startswith(t + ' '):
            break
    if show:
        print(json.dumps(out))
    return out
`;

/** (subject, date header or null, from, extra headers, internal date) of messages 1..10. */
const MESSAGES: [string, string | null, string | null, string, string][] = [
  ['Hello', 'Mon, 01 Jan 2024 10:00:00 +0000', 'Bob <bob@x.test>', 'Message-ID: <a@t>', '20-Jan-2024 10:00:00 +0000'],
  ['Re: Hello', 'Tue, 02 Jan 2024 10:00:00 +0000', 'alice <alice@x.test>', 'Message-ID: <b@t>\r\nReferences: <a@t>', '19-Jan-2024 10:00:00 +0000'],
  ['Re: Re: Hello', 'Wed, 03 Jan 2024 10:00:00 +0000', 'Carol <carol@x.test>', 'Message-ID: <c@t>\r\nReferences: <a@t>\r\n <b@t>', '18-Jan-2024 10:00:00 +0000'],
  ['Re: Fwd: [list] x', 'Thu, 04 Jan 2024 10:00:00 +0000', '=?UTF-8?Q?=C3=89mile?= <emile@x.test>', 'Message-ID: <d@t>\r\nReferences: <gone@t>', '17-Jan-2024 10:00:00 +0000'],
  ['x (fwd)', 'Fri, 05 Jan 2024 10:00:00 +0000', 'Xavier <dave@x.test>', 'Message-ID: <e@t>\r\nIn-Reply-To: <gone@t>', '16-Jan-2024 10:00:00 +0000'],
  ['[list] x', 'Sat, 06 Jan 2024 10:00:00 +0000', 'Bob <bob@x.test>', 'Message-ID: <"f"@t>', '15-Jan-2024 10:00:00 +0000'],
  ['Other', 'Sun, 07 Jan 2024 10:00:00 +0000', 'ann <ann@x.test>', 'Message-ID: <a@t>', '14-Jan-2024 10:00:00 +0000'],
  ['other', 'Sun, 31 Dec 2023 10:00:00 +0000', null, 'Message-ID: <h@t>\r\nReferences: <h@t>', '13-Jan-2024 10:00:00 +0000'],
  ['Re: hello', null, 'Zoe <zoe@x.test>', 'Message-ID: <i@t>\r\nReferences: <c@t>', '08-Jan-2024 10:00:00 +0000'],
  ['Re: [fwd: Hello]', 'Tue, 02 Jan 2024 07:00:00 -0500', '<alice@x.test>', 'In-Reply-To: <b@t> (sent by x)', '11-Jan-2024 10:00:00 +0000'],
];

function message([subject, date, from, extra]: (typeof MESSAGES)[number], i: number): string {
  const lines = [`Subject: ${subject}`, ...(date ? [`Date: ${date}`] : []), ...(from ? [`From: ${from}`] : []), 'To: sam@sort.test', extra];
  return lines.join('\r\n') + `\r\n\r\n> quoted line\r\nBody of message ${i + 1}.\r\n\r\nSecond   paragraph.\r\n`;
}

describe('SORT, THREAD and the search extensions', () => {
  let t: TestServer;
  const py = async (body: string): Promise<string[][]> => {
    const r = await run('python3', ['-c', PRELUDE + body, String(t.imapPort)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
  };

  before(async () => {
    t = await startTestServer();
    await t.addDomain('sort.test');
    await t.addUser('sam@sort.test');
    if (needs('python3').skip) return;
    const appends = MESSAGES.map((m, i) => `m.append('INBOX', None, '"${m[4]}"', ${JSON.stringify(message(m, i))}.encode())`).join('\n');
    await py(appends + "\nm.select('INBOX')\n");
  });
  after(() => t.stop());

  it('advertises what is complete', needs('python3'), async () => {
    const [out] = await py(`cmd('CAPABILITY')`);
    const caps = ['SORT', 'SORT=DISPLAY', 'ESORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'SEARCHRES', 'WITHIN', 'PARTIAL', 'PREVIEW', 'CONTEXT=SEARCH', 'CONTEXT=SORT'];
    for (const cap of caps) assert.ok(out[0].split(' ').includes(cap), cap);
  });

  it('sorts by every key, with REVERSE and the sequence-number tie-break', needs('python3'), async () => {
    const out = await py(`
m.select('INBOX')
for c in ['(SUBJECT)', '(SUBJECT DATE)', '(REVERSE DATE)', '(DATE)', '(ARRIVAL)', '(FROM)', '(DISPLAYFROM)', '(TO REVERSE ARRIVAL)', '(CC)', '(DISPLAYTO)', '(REVERSE SUBJECT)']:
    cmd('SORT %s UTF-8 ALL' % c)
cmd('UID SORT (SUBJECT) US-ASCII SUBJECT x')
cmd('SORT (SUBJECT) UTF-8 TEXT "not in mailbox"')
`);
    assert.deepEqual(out, [
      ['* SORT 1 2 3 9 10 7 8 4 5 6', 'TAG OK SORT completed'],
      ['* SORT 1 2 10 3 9 8 7 4 5 6', 'TAG OK SORT completed'],
      ['* SORT 9 7 6 5 4 3 10 2 1 8', 'TAG OK SORT completed'],
      ['* SORT 8 1 2 10 3 4 5 6 7 9', 'TAG OK SORT completed'],
      ['* SORT 9 10 8 7 6 5 4 3 2 1', 'TAG OK SORT completed'],
      ['* SORT 8 2 10 7 1 6 3 5 4 9', 'TAG OK SORT completed'],
      ['* SORT 8 2 10 7 1 6 3 4 5 9', 'TAG OK SORT completed'],
      ['* SORT 1 2 3 4 5 6 7 8 10 9', 'TAG OK SORT completed'],
      ['* SORT 1 2 3 4 5 6 7 8 9 10', 'TAG OK SORT completed'],
      ['* SORT 1 2 3 4 5 6 7 8 9 10', 'TAG OK SORT completed'],
      ['* SORT 4 5 6 7 8 1 2 3 9 10', 'TAG OK SORT completed'],
      ['* SORT 4 5 6', 'TAG OK SORT completed'],
      ['* SORT', 'TAG OK SORT completed'],
    ]);
  });

  it('threads by REFERENCES (dummies, subject merge, loops, duplicates) and ORDEREDSUBJECT', needs('python3'), async () => {
    const out = await py(`
m.select('INBOX')
cmd('THREAD REFERENCES UTF-8 ALL')
cmd('THREAD ORDEREDSUBJECT UTF-8 ALL')
cmd('UID THREAD REFERENCES US-ASCII NOT SUBJECT other')
cmd('THREAD REFERENCES UTF-8 SUBJECT "no such"')
cmd('THREAD FANCY UTF-8 ALL')
`);
    assert.deepEqual(out, [
      ['* THREAD ((8)(7))(1 2 (10)(3 9))((4)(5)(6))', 'TAG OK THREAD completed'],
      ['* THREAD (8 7)(1 (2)(10)(3)(9))(4 (5)(6))', 'TAG OK THREAD completed'],
      ['* THREAD (1 2 (10)(3 9))((4)(5)(6))', 'TAG OK THREAD completed'],
      ['* THREAD', 'TAG OK THREAD completed'],
      ['TAG BAD Unsupported threading algorithm FANCY'],
    ]);
  });

  it('adds the highest MODSEQ to SORT and ESORT answers of a MODSEQ search (RFC 7162 §3.1.9, §3.1.10)', needs('python3'), async () => {
    const out = await py(`
m.select('INBOX')
cmd('FETCH 1:* (MODSEQ)')
cmd('SORT (DATE) UTF-8 MODSEQ 1')
cmd('UID SORT (DATE) UTF-8 MODSEQ 1 NOT SUBJECT other')
cmd('SORT RETURN (MIN) (DATE) UTF-8 MODSEQ 1')
cmd('SORT RETURN (MAX) (DATE) UTF-8 MODSEQ 1')
cmd('SORT RETURN (COUNT) (DATE) UTF-8 MODSEQ 1')
cmd('SORT (DATE) UTF-8 MODSEQ 1 SUBJECT "no such"')
`);
    const fetched = out[0].map((l) => /^\* (\d+) FETCH \(MODSEQ \((\d+)\)\)$/.exec(l)).filter((m) => m !== null);
    const modSeq = new Map(fetched.map(([, seq, value]) => [Number(seq), Number(value)] as const));
    assert.equal(modSeq.size, 10, out[0].join('\n'));
    const highest = (seqs: number[]): number => Math.max(...seqs.map((n) => modSeq.get(n)!));
    assert.deepEqual(out.slice(1), [
      [`* SORT 8 1 2 10 3 4 5 6 7 9 (MODSEQ ${highest([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])})`, 'TAG OK SORT completed'],
      [`* SORT 1 2 10 3 4 5 6 9 (MODSEQ ${highest([1, 2, 3, 4, 5, 6, 9, 10])})`, 'TAG OK SORT completed'],
      [`* ESEARCH (TAG "TAG") MIN 8 MODSEQ ${modSeq.get(8)}`, 'TAG OK SORT completed'],
      [`* ESEARCH (TAG "TAG") MAX 9 MODSEQ ${modSeq.get(9)}`, 'TAG OK SORT completed'],
      [`* ESEARCH (TAG "TAG") COUNT 10 MODSEQ ${highest([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])}`, 'TAG OK SORT completed'],
      ['* SORT', 'TAG OK SORT completed'],
    ]);
  });

  it('answers ESORT and PARTIAL with ESEARCH data in sort order, and pages FETCH with PARTIAL', needs('python3'), async () => {
    const out = await py(`
m.select('INBOX')
cmd('UID SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL')
cmd('SORT RETURN () (DATE) UTF-8 ALL')
cmd('SORT RETURN (PARTIAL 2:4) (DATE) UTF-8 ALL')
cmd('SORT RETURN (PARTIAL -1:-2 COUNT) (DATE) UTF-8 ALL')
cmd('SEARCH RETURN (PARTIAL 3:5) ALL')
cmd('SEARCH RETURN (PARTIAL -3:-1) ALL')
cmd('UID SEARCH RETURN (PARTIAL 20:30) ALL')
cmd('SEARCH RETURN (PARTIAL 1:5 ALL) ALL')
cmd('SEARCH RETURN (MIN) SUBJECT "no such"')
cmd('UID FETCH 1:* (UID) (PARTIAL -1:-2)')
cmd('FETCH 2:9 (UID) (PARTIAL 2:3)')
cmd('FETCH 1:* (UID) (PARTIAL 20:30)')
`);
    assert.deepEqual(out, [
      ['* ESEARCH (TAG "TAG") UID MIN 8 MAX 9 ALL 8,1:2,10,3:7,9 COUNT 10', 'TAG OK SORT completed'],
      ['* ESEARCH (TAG "TAG") ALL 8,1:2,10,3:7,9', 'TAG OK SORT completed'],
      ['* ESEARCH (TAG "TAG") PARTIAL (2:4 1:2,10)', 'TAG OK SORT completed'],
      ['* ESEARCH (TAG "TAG") COUNT 10 PARTIAL (-1:-2 7,9)', 'TAG OK SORT completed'],
      ['* ESEARCH (TAG "TAG") PARTIAL (3:5 3:5)', 'TAG OK SEARCH completed'],
      ['* ESEARCH (TAG "TAG") PARTIAL (-3:-1 8:10)', 'TAG OK SEARCH completed'],
      ['* ESEARCH (TAG "TAG") UID PARTIAL (20:30 NIL)', 'TAG OK SEARCH completed'],
      ['TAG BAD PARTIAL and ALL cannot be combined'],
      ['* ESEARCH (TAG "TAG")', 'TAG OK SEARCH completed'],
      ['* 9 FETCH (UID 9)', '* 10 FETCH (UID 10)', 'TAG OK FETCH completed'],
      ['* 3 FETCH (UID 3)', '* 4 FETCH (UID 4)', 'TAG OK FETCH completed'],
      ['TAG OK FETCH completed'],
    ]);
  });

  it('saves a result in $ and resets it by the RFC 5182 rules', needs('python3'), async () => {
    const out = await py(`
m.select('INBOX')
cmd('FETCH $ (UID)')
cmd('SEARCH RETURN (SAVE) SUBJECT hello')
cmd('FETCH $ (UID)')
cmd('UID SEARCH UID $ SUBJECT "re:"')
cmd('SEARCH $')
cmd('SEARCH RETURN (SAVE MIN MAX) SUBJECT x')
cmd('UID FETCH $ (UID)')
cmd('SEARCH RETURN (SAVE COUNT MIN) SUBJECT x')
cmd('SEARCH OR $ 1 NOT SUBJECT "x"')
cmd('SEARCH CHARSET UTF-8 SUBJECT hello')
cmd('SEARCH $')
cmd('SEARCH RETURN (SAVE) CHARSET X-KLINGON ALL')
cmd('SEARCH $')
cmd('SORT RETURN (SAVE) (REVERSE DATE) UTF-8 FROM bob')
cmd('SEARCH $')
m.select('INBOX')
cmd('SEARCH $')
`);
    assert.deepEqual(out, [
      ['TAG OK FETCH completed'],
      ['TAG OK SEARCH completed'],
      ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)', '* 9 FETCH (UID 9)', '* 10 FETCH (UID 10)', 'TAG OK FETCH completed'],
      ['* SEARCH 2 3 9 10', 'TAG OK SEARCH completed'],
      ['* SEARCH 1 2 3 9 10', 'TAG OK SEARCH completed'],
      ['* ESEARCH (TAG "TAG") MIN 4 MAX 6', 'TAG OK SEARCH completed'],
      ['* 4 FETCH (UID 4)', '* 6 FETCH (UID 6)', 'TAG OK FETCH completed'],
      ['* ESEARCH (TAG "TAG") MIN 4 COUNT 3', 'TAG OK SEARCH completed'],
      ['* SEARCH 1', 'TAG OK SEARCH completed'],
      ['* SEARCH 1 2 3 9 10', 'TAG OK SEARCH completed'],
      ['* SEARCH 4 5 6', 'TAG OK SEARCH completed'],
      ['TAG NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset X-KLINGON'],
      ['* SEARCH', 'TAG OK SEARCH completed'],
      ['TAG OK SORT completed'],
      ['* SEARCH 1 6', 'TAG OK SEARCH completed'],
      ['* SEARCH', 'TAG OK SEARCH completed'],
    ]);
  });

  it('finds by WITHIN and fetches PREVIEW from the stored snippet', needs('python3'), async () => {
    const out = await py(`
m.append('Sent', None, None, b'Subject: now\\r\\n\\r\\nFresh <b>one</b> \\xc3\\xa9t\\xc3\\xa9\\r\\n')
m.select('Sent')
cmd('SEARCH YOUNGER 3600')
cmd('SEARCH OLDER 3600')
m.select('INBOX')
cmd('SEARCH OLDER 3600 NOT YOUNGER 3600')
cmd('SEARCH YOUNGER 3600')
cmd('FETCH 1:2 (PREVIEW)')
cmd('UID FETCH 3 (PREVIEW (LAZY) FLAGS)')
cmd('FETCH 1 PREVIEW (LAZY)')
cmd('FETCH 1 (PREVIEW (FAST))')
`);
    assert.deepEqual(out, [
      ['* SEARCH 1', 'TAG OK SEARCH completed'],
      ['* SEARCH', 'TAG OK SEARCH completed'],
      ['* SEARCH 1 2 3 4 5 6 7 8 9 10', 'TAG OK SEARCH completed'],
      ['* SEARCH', 'TAG OK SEARCH completed'],
      ['* 1 FETCH (PREVIEW "Body of message 1. Second paragraph.")', '* 2 FETCH (PREVIEW "Body of message 2. Second paragraph.")', 'TAG OK FETCH completed'],
      ['* 3 FETCH (UID 3 PREVIEW "Body of message 3. Second paragraph." FLAGS ())', 'TAG OK FETCH completed'],
      ['* 1 FETCH (PREVIEW "Body of message 1. Second paragraph.")', 'TAG OK FETCH completed'],
      ['TAG BAD Expected a fetch item'],
    ]);
  });

  it('LIST (SUBSCRIBED RECURSIVEMATCH) names parents of subscribed mailboxes with CHILDINFO (RFC 5258 §3.5)', needs('python3'), async () => {
    const out = await py(`
for name in ['Foo/Bar', 'Foo/Baz', 'Moo']:
    m.create(name)
m.subscribe('Foo/Bar')
m.subscribe('Moo')
cmd('LIST (SUBSCRIBED RECURSIVEMATCH) "" ("Foo" "Moo")')
cmd('LIST (SUBSCRIBED RECURSIVEMATCH) "" ("Foo" "Foo/*")')
cmd('LIST (SUBSCRIBED) "" ("Foo" "Moo") RETURN (CHILDREN)')
m.unsubscribe('Foo/Bar')
cmd('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Foo"')
m.subscribe('Foo')
m.subscribe('Foo/Baz')
cmd('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Foo" RETURN (STATUS (MESSAGES))')
`);
    assert.deepEqual(out, [
      ['* LIST (\\HasChildren) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))', '* LIST (\\HasNoChildren \\Subscribed) "/" Moo', 'TAG OK LIST completed'],
      // Foo/Bar is listed itself: a CHILDINFO for Foo would say nothing new
      ['* LIST (\\HasNoChildren \\Subscribed) "/" Foo/Bar', 'TAG OK LIST completed'],
      ['* LIST (\\HasNoChildren \\Subscribed) "/" Moo', 'TAG OK LIST completed'],
      ['TAG OK LIST completed'],
      ['* LIST (\\HasChildren \\Subscribed) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))', '* STATUS Foo (MESSAGES 0)', 'TAG OK LIST completed'],
    ]);
  });

  // Last: it changes the mailbox (a new message 11, message 5 expunged).
  it('keeps RETURN (UPDATE) searches live: ADDTO after EXISTS, REMOVEFROM before EXPUNGE', needs('python3'), async () => {
    const out = await py(`
b = imaplib.IMAP4('127.0.0.1', port)
b.login('sam@sort.test', 'secret')
b.select('INBOX')
m.select('INBOX')
cmd('UID SEARCH RETURN (UPDATE COUNT) KEYWORD $Junk', tag='S1')
cmd('SORT RETURN (UPDATE ALL) (REVERSE DATE) UTF-8 SUBJECT x', tag='S2')
cmd('SEARCH RETURN (UPDATE) ALL', tag='S2')
cmd('STORE 2,5 +FLAGS.SILENT ($Junk)', c=b, show=False)
cmd('NOOP')
b.append('INBOX', '($Junk)', None, b'Subject: Fwd: x\\r\\nDate: Thu, 1 Feb 2024 10:00:00 +0000\\r\\n\\r\\nnew\\r\\n')
cmd('NOOP')
cmd('STORE 5 +FLAGS.SILENT (\\\\Deleted)', c=b, show=False)
cmd('EXPUNGE', c=b, show=False)
cmd('NOOP')
cmd('CANCELUPDATE "S1"')
cmd('STORE 1 +FLAGS.SILENT ($Junk)', c=b, show=False)
cmd('NOOP')
cmd('STORE 10 +FLAGS.SILENT (\\\\Deleted)')
cmd('EXPUNGE')
cmd('SEARCH RETURN (UPDATE) FLAGGED', tag='S3')
m.send(b'I1 IDLE\\r\\n')
idle = [m.readline()]
cmd('STORE 3 +FLAGS.SILENT (\\\\Flagged)', c=b, show=False)
idle += [m.readline(), m.readline()]
m.send(b'DONE\\r\\n')
idle.append(m.readline())
print(json.dumps([l.decode().rstrip() for l in idle]))
`);
    assert.deepEqual(out, [
      ['* ESEARCH (TAG "S1") UID COUNT 0', 'S1 OK SEARCH completed'],
      ['* ESEARCH (TAG "S2") ALL 6,5,4', 'S2 OK SORT completed'],
      ['S2 BAD Tag reuse'],
      [
        // $Junk is new to this session's FLAGS: told first (as Dovecot)
        '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk)',
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk \\*)] Flags permitted',
        '* 2 FETCH (UID 2 FLAGS ($Junk))', '* 5 FETCH (UID 5 FLAGS ($Junk))', '* ESEARCH (TAG "S1") UID ADDTO (0 2,5)', 'TAG OK NOOP completed',
      ],
      // the other session saw the new message first: it is \Recent there
      ['* 11 EXISTS', '* 0 RECENT', '* ESEARCH (TAG "S1") UID ADDTO (0 11)', '* ESEARCH (TAG "S2") ADDTO (1 11)', 'TAG OK NOOP completed'],
      ['* ESEARCH (TAG "S1") UID REMOVEFROM (0 5)', '* ESEARCH (TAG "S2") REMOVEFROM (3 5)', '* 5 EXPUNGE', 'TAG OK NOOP completed'],
      ['TAG OK No further updates'],
      ['* 1 FETCH (UID 1 FLAGS ($Junk))', 'TAG OK NOOP completed'],
      ['TAG OK STORE completed'],
      // the new message, now number 10, leaves the sorted context at its first position
      ['* ESEARCH (TAG "S2") REMOVEFROM (1 10)', '* 10 EXPUNGE', 'TAG OK EXPUNGE completed'],
      ['* ESEARCH (TAG "S3")', 'S3 OK SEARCH completed'],
      // pushed during IDLE, right after the FETCH that causes it
      ['+ idling', '* 3 FETCH (UID 3 FLAGS (\\Flagged))', '* ESEARCH (TAG "S3") ADDTO (0 3)', 'I1 OK IDLE terminated'],
    ]);
  });
});
