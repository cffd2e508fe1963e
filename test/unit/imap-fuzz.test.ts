// Fuzzing the reader and parser with random and mutated commands: nothing throws, every
// complete line gets exactly one answer, and chunking never changes the events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, type ReaderEvent } from '../../src/imap/reader.ts';
import { parseCommand, type Command, type ParseError } from '../../src/imap/parser.ts';

const SEEDS = [
  'a1 LOGIN fred "se cret"', 'a2 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211 (1:3 4:6)))',
  'a3 UID FETCH 1:*,5 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100> BINARY[1] MODSEQ) (CHANGEDSINCE 5 VANISHED)',
  'a4 SEARCH RETURN (MIN MAX) CHARSET UTF-8 OR (FROM "x" SINCE 1-Feb-1994) NOT 1:5,$ HEADER Subject "y" MODSEQ "/flags/\\\\draft" all 5',
  'a5 STORE 2:4 (UNCHANGEDSINCE 1) +FLAGS.SILENT (\\Deleted $Junk)', 'a6 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("%" "&ZeVnLIqe-/*") RETURN (CHILDREN STATUS (MESSAGES))',
  'a7 APPEND INBOX (\\Seen) " 7-Feb-1994 22:43:04 -0800" {0+}', 'a8 CREATE "x" (USE (\\Drafts))', 'a9 ID ("name" "x" "v" NIL)',
  'b1 STATUS "a b" (MESSAGES UIDNEXT HIGHESTMODSEQ)', 'b2 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=', 'b3 SETQUOTA "" (STORAGE 5)',
  'b4 UID EXPUNGE 1:3', 'b5 MOVE 1 "Junk"', 'b6 ENABLE IMAP4rev2', 'b7 IDLE', 'b8 RENAME a b', 'b9 FETCH 1 FULL',
  // issue 5 extensions
  'c1 COMPRESS DEFLATE', 'c2 UNAUTHENTICATE', 'c3 UID REPLACE 4 Drafts (\\Draft) {2+}', 'c4 GETMETADATA INBOX (MAXSIZE 10 DEPTH infinity) (/private/a /shared)',
  'c5 SETMETADATA "" (/shared/comment "x" /private/vendor/v/k NIL)', 'c6 NOTIFY SET STATUS (selected (MessageNew (UID BODY.PEEK[HEADER]) MessageExpunge)) (subtree (A "B c") (MessageNew MessageExpunge MailboxName))',
  'c7 APPEND Drafts CATENATE (URL "/INBOX/;UID=1/;SECTION=1" TEXT {1+})', 'c8 GENURLAUTH "imap://a@h/INBOX/;UID=1;URLAUTH=authuser" INTERNAL',
  'c9 URLFETCH "u" ("v" BINARY BODYPARTSTRUCTURE)', 'd1 RESETKEY INBOX INTERNAL', 'd2 NOTIFY NONE',
];
const INTERESTING = [...'(){}[]<>" \\*%$:,.0123456789+-~&\r\x00\x7f', 'NIL', 'é', '\u00ff', 'UID ', '{3}', '{2+}', '~{1}', 'OR ', 'NOT '];

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0; // mulberry32
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

function mutate(rand: (n: number) => number, line: string): string {
  let s = line;
  for (let k = 1 + rand(4); k > 0; k--) {
    const at = rand(s.length + 1);
    switch (rand(6)) {
      case 0: s = s.slice(0, at) + INTERESTING[rand(INTERESTING.length)] + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + rand(5)); break;
      case 2: s = s.slice(0, at) + String.fromCharCode(rand(256)) + s.slice(at + 1); break;
      case 3: s = s.slice(0, at); break;
      case 4: s = s.slice(0, at) + s.slice(rand(s.length)); break;
      default: s = SEEDS[rand(SEEDS.length)].slice(0, at) + s.slice(at);
    }
  }
  return s;
}

function safeParse(e: ReaderEvent & { type: 'command' }): Command | ParseError {
  try {
    return parseCommand(e.command, { utf8: e.command.parts.length % 2 === 0 });
  } catch (err) {
    return assert.fail(`parseCommand threw: ${String(err)}`);
  }
}

test('random and mutated lines: one answer per line, its tag whenever readable, no throw', () => {
  const rand = rng(20240601);
  const deadline = Date.now() + 20_000;
  let n = 0;
  for (; n < 10_000 && Date.now() < deadline; n++) {
    // No "{" and no line break: each line is then exactly one command.
    const random = () => Array.from({ length: rand(60) }, () => String.fromCharCode(rand(256))).join('');
    const line = (n % 10 === 0 ? random() : mutate(rand, SEEDS[rand(SEEDS.length)])).replace(/[{\n]/g, '(');
    const r = new CommandReader();
    r.feed(Buffer.from(`${line}\r\n`, 'latin1'));
    const events: ReaderEvent[] = [];
    for (let e = r.next(); e !== undefined; e = r.next()) events.push(e);
    assert.equal(events.length, 1, JSON.stringify(line));
    const [e] = events;
    assert.equal(e.type, 'command');
    if (e.type !== 'command') continue;
    const result = safeParse(e);
    assert.ok(typeof result.tag === 'string' && result.tag.length > 0);
    // eslint-disable-next-line no-control-regex -- tag = 1*<any ASTRING-CHAR except "+">
    const tag = /^([^\x00-\x20(){%*"\\+\x7f-\xff]+) /.exec(line.replace(/\r$/, ''))?.[1];
    if (tag !== undefined) assert.equal(result.tag, tag, JSON.stringify(line));
    if ('error' in result) assert.ok(result.error === 'BAD' || result.error === 'NO');
  }
  assert.ok(n >= 1000, `only ${n} iterations in time`);
});

test('random streams with literals: no throw, same events however they are chunked', () => {
  const rand = rng(77);
  const deadline = Date.now() + 20_000;
  let n = 0;
  for (; n < 10_000 && Date.now() < deadline; n++) {
    const lines: string[] = [];
    for (let k = 1 + rand(4); k > 0; k--) lines.push(mutate(rand, SEEDS[rand(SEEDS.length)]));
    const input = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
    const minus = n % 2 === 0;
    const whole = run([input], minus);
    const cuts = [0, ...Array.from({ length: 1 + rand(8) }, () => rand(input.length)).sort((a, b) => a - b), input.length];
    const chunked = cuts.slice(1).map((end, i) => input.subarray(cuts[i], end)).filter((b) => b.length > 0);
    assert.deepEqual(run(chunked, minus), whole, JSON.stringify(input.toString('latin1')));
  }
  assert.ok(n >= 1000, `only ${n} iterations in time`);
});

/** A session-like driver with small limits, so the refusal paths are exercised too. */
function run(pieces: Buffer[], minus: boolean): string[] {
  const r = new CommandReader({ nonSyncLiterals: minus ? 'LITERAL-' : 'LITERAL+', limits: { maxLineBytes: 120, literalMinusMax: 3, maxLiteralBytes: 8 } });
  const out: string[] = [];
  for (const piece of pieces) {
    r.feed(piece);
    for (let e = r.next(); e !== undefined; e = r.next()) {
      if (e.type === 'continue') {
        if (e.size % 3 === 0) r.reject();
        else r.accept();
      }
      if (e.type !== 'command') {
        out.push(e.type);
        continue;
      }
      const result = safeParse(e);
      out.push(`${result.tag} ${'error' in result ? result.error : result.name}`);
      if (!('error' in result) && result.name === 'IDLE') r.expectIdleDone();
    }
  }
  return out;
}
