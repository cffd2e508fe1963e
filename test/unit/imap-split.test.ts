// A client may deliver its bytes in any pieces: the events (and parsed commands) must not
// depend on where TCP split them (STYLE.md §2, as WildDuck's tests do).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, type ReaderOptions } from '../../src/imap/reader.ts';
import { parseCommand } from '../../src/imap/parser.ts';

/** Run a session-like driver over the pieces; return every event as text. */
function drive(pieces: readonly Buffer[], options?: ReaderOptions): string[] {
  const r = new CommandReader(options);
  const out: string[] = [];
  const pull = (): void => {
    for (let e = r.next(); e !== undefined; e = r.next()) {
      if (e.type !== 'command') {
        out.push(JSON.stringify(e));
        if (e.type === 'continue') {
          if (e.size <= 1000) r.accept();
          else r.reject();
        }
        continue;
      }
      const cmd = parseCommand(e.command);
      out.push(JSON.stringify(cmd, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
      if ('args' in cmd && cmd.name === 'IDLE') r.expectIdleDone();
      if ('args' in cmd && cmd.name === 'AUTHENTICATE' && cmd.args.initialResponse === undefined) r.expectAuthResponse();
    }
  };
  for (const piece of pieces) {
    r.feed(piece);
    pull();
  }
  return out;
}

const msg = 'From: a@example.com\r\nSubject: {5}\r\n\r\nbody "quoted" {3+}\r\n';
const STREAM = Buffer.from([
  'a1 CAPABILITY\r\n',
  'a2 LOGIN {4}\r\nfred {6+}\r\nsecret\r\n',
  'a3 AUTHENTICATE PLAIN\r\nAGZyZWQAc2VjcmV0\r\n',
  'a4 SELECT "INBOX" (CONDSTORE)\n',
  `a5 APPEND Drafts (\\Seen) " 7-Feb-1994 22:43:04 -0800" {${msg.length}}\r\n${msg} {${msg.length}}\r\n${msg}\r\n`,
  'a6 APPEND Drafts {5000}\r\n', // refused: the client sends nothing more of it
  'a7 IDLE\r\nDONE\r\n',
  `a8 SEARCH CHARSET UTF-8 TEXT {4}\r\nt\u00e9x OR FROM "x {1}" SUBJECT {2+}\r\n${'y'.repeat(2)}\r\n`,
  `a9 NOOP ${'z'.repeat(400)}\r\n`, // over the line limit below
  `b1 FETCH 1:* (BODY.PEEK[HEADER.FIELDS (From {2+}\r\nTo)] UID)\r\n`,
  `b2 APPEND INBOX {100+}\r\n${'x'.repeat(100)}\r\n`, // over LITERAL- max below: skipped
  'b3 LOGOUT\r\n',
].join(''));
const OPTIONS: ReaderOptions = { nonSyncLiterals: 'LITERAL-', limits: { maxLineBytes: 300, literalMinusMax: 50 } };

test('the reference run sees every command', () => {
  const events = drive([STREAM], OPTIONS);
  const tags = events.map((e) => (JSON.parse(e) as { tag?: string; type?: string }).tag ?? JSON.parse(e).type);
  assert.deepEqual(tags, ['a1', 'a2', 'a2', 'a3', 'auth-response', 'a4', 'a5', 'a5', 'a5', 'a6', 'a7', 'idle-done', 'a8', 'a8', 'a9', 'b1', 'b2', 'b3']);
});

test('every split point into two pieces gives the same events', () => {
  const whole = drive([STREAM], OPTIONS);
  for (let i = 1; i < STREAM.length; i++) {
    assert.deepEqual(drive([STREAM.subarray(0, i), STREAM.subarray(i)], OPTIONS), whole, `split at ${i}`);
  }
});

test('byte by byte, and in random pieces, gives the same events', () => {
  const whole = drive([STREAM], OPTIONS);
  const bytes = [...STREAM].map((b) => Buffer.from([b]));
  assert.deepEqual(drive(bytes, OPTIONS), whole);
  let seed = 7;
  for (let round = 0; round < 200; round++) {
    const pieces: Buffer[] = [];
    for (let at = 0; at < STREAM.length;) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = 1 + ((seed >>> 8) % 40);
      pieces.push(STREAM.subarray(at, at + n));
      at += n;
    }
    assert.deepEqual(drive(pieces, OPTIONS), whole, `round ${round}`);
  }
});
