// The IMAP framer: lines, literals (RFC 9051 §4.3, RFC 7888 LITERAL+/LITERAL-), limits, and
// the IDLE / AUTHENTICATE / STARTTLS mode switches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, type ReaderEvent, type ReaderOptions } from '../../src/imap/reader.ts';
import { parseSaslResponse } from '../../src/imap/parser.ts';

/** Pull every event; accept each synchronizing literal unless `decide` says no. */
function drain(r: CommandReader, decide: (size: number) => boolean = () => true): ReaderEvent[] {
  const out: ReaderEvent[] = [];
  for (let e = r.next(); e !== undefined; e = r.next()) {
    out.push(e);
    if (e.type === 'continue') {
      if (decide(e.size)) r.accept();
      else r.reject();
    }
  }
  return out;
}

function run(input: string | Buffer, options?: ReaderOptions, decide?: (size: number) => boolean): ReaderEvent[] {
  const r = new CommandReader(options);
  r.feed(Buffer.from(input));
  return drain(r, decide);
}

/** A command event as readable strings: text parts as is, literals as [bytes]. */
function parts(e: ReaderEvent | undefined): string[] {
  assert.equal(e?.type, 'command');
  if (e?.type !== 'command') return [];
  return e.command.parts.map((p) => (p.kind === 'text' ? p.data.toString('latin1') : `[${p.binary ? '~' : ''}${p.data.toString('latin1')}]`));
}

test('one line is one command, CRLF or bare LF', () => {
  const events = run('a1 NOOP\r\na2 CAPABILITY\n');
  assert.deepEqual(events.map(parts), [['a1 NOOP'], ['a2 CAPABILITY']]);
});

test('an incomplete line waits for more bytes', () => {
  const r = new CommandReader();
  r.feed(Buffer.from('a1 NO'));
  assert.equal(r.next(), undefined);
  r.feed(Buffer.from('OP\r'));
  assert.equal(r.next(), undefined);
  r.feed(Buffer.from('\n'));
  assert.deepEqual(parts(r.next()), ['a1 NOOP']);
});

test('synchronizing literal: continue, then the octets (RFC 9051 §4.3)', () => {
  const r = new CommandReader();
  r.feed(Buffer.from('A001 LOGIN {11}\r\n'));
  const e = r.next();
  assert.deepEqual(e, { type: 'continue', tag: 'A001', name: 'LOGIN', size: 11, binary: false });
  assert.equal(r.next(), undefined, 'nothing happens until the session decides');
  r.accept();
  r.feed(Buffer.from('FRED FOOBAR {7}\r\n'));
  assert.equal(r.next()?.type, 'continue');
  r.accept();
  r.feed(Buffer.from('fat man\r\n'));
  assert.deepEqual(parts(r.next()), ['A001 LOGIN ', '[FRED FOOBAR]', ' ', '[fat man]', '']);
});

test('LITERAL+ needs no continuation (RFC 7888 §3 example)', () => {
  const events = run('A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n');
  assert.deepEqual(events.map(parts), [['A001 LOGIN ', '[FRED FOOBAR]', ' ', '[fat man]', '']]);
});

test('literal8 and zero-length literals', () => {
  const events = run('a APPEND x ~{3+}\r\na\0b\r\nb APPEND x {0}\r\n\r\n');
  assert.deepEqual(events.map((e) => (e.type === 'command' ? parts(e) : e.type)), [
    ['a APPEND x ', '[~a\0b]', ''],
    'continue',
    ['b APPEND x ', '[]', ''],
  ]);
});

test('a rejected synchronizing literal ends the command; the next line is a new one', () => {
  const events = run('a1 APPEND INBOX {500}\r\na2 NOOP\r\n', {}, () => false);
  assert.equal(events[0].type, 'continue');
  assert.deepEqual(parts(events[1]), ['a2 NOOP']);
});

test('a brace inside a quoted string is no literal', () => {
  assert.deepEqual(run('a1 LOGIN "x {5}\r\n').map(parts), [['a1 LOGIN "x {5}']]);
  assert.deepEqual(run('a1 LOGIN "x\\" {5}\r\n').map(parts), [['a1 LOGIN "x\\" {5}']]);
  assert.equal(run('a1 LOGIN "x" {1}\r\n')[0].type, 'continue');
});

test('APPEND over APPENDLIMIT: NO [TOOBIG] before any continuation (RFC 7889 §3.3)', () => {
  const events = run('a1 APPEND INBOX {1001}\r\na2 NOOP\r\n', { limits: { appendLimit: 1000 } });
  assert.deepEqual(events[0], { type: 'error', tag: 'a1', status: 'NO', code: 'TOOBIG', text: 'Message too big (at most 1000 octets)' });
  assert.deepEqual(parts(events[1]), ['a2 NOOP']);
});

test('a literal over the non-APPEND limit is BAD [TOOBIG]', () => {
  const [e] = run('a1 LOGIN {70000}\r\n');
  assert.equal(e.type === 'error' && `${e.tag} ${e.status} ${e.code}`, 'a1 BAD TOOBIG');
  // All literals of one command together are bounded as well.
  const events = run('a1 SEARCH TEXT {6+}\r\nabcdef TEXT {6+}\r\nabcdef\r\na2 NOOP\r\n', { limits: { maxCommandLiteralBytes: 10 } });
  assert.deepEqual(events.map((x) => x.type), ['error', 'command']);
});

test('LITERAL-: a non-synchronizing literal over 4096 octets is refused and skipped (RFC 7888 §5)', () => {
  const body = 'x'.repeat(5000);
  const input = `a1 APPEND INBOX {5000+}\r\n${body} (\\Seen) {3+}\r\nabc\r\na2 NOOP\r\n`;
  const events = run(input, { nonSyncLiterals: 'LITERAL-' });
  assert.equal(events.length, 2);
  assert.deepEqual(events[0], { type: 'error', tag: 'a1', status: 'BAD', code: 'TOOBIG', text: 'Non-synchronizing literal larger than 4096 octets' });
  assert.deepEqual(parts(events[1]), ['a2 NOOP']);
  // Under LITERAL+ the same command is fine.
  assert.deepEqual(run(input).map((e) => e.type), ['command', 'command']);
});

test('a refused non-synchronizing literal past what any APPEND may carry ends the session instead (RFC 7888 §4)', () => {
  const [e] = run('a1 SELECT {99999999999999999999+}\r\n', { limits: { maxAppendBytes: 1000 } });
  assert.equal(e.type === 'error' && `${e.tag} ${e.status} ${e.code} ${e.fatal}`, 'a1 BAD TOOBIG true');
  const [a] = run('a1 APPEND INBOX {1001+}\r\n', { limits: { appendLimit: 500, maxAppendBytes: 1000 } });
  assert.equal(a.type === 'error' && `${a.status} ${a.fatal}`, 'NO true');
  const [b] = run('a1 APPEND INBOX {900+}\r\n', { limits: { appendLimit: 500, maxAppendBytes: 1000 } });
  assert.equal(b.type === 'error' && `${b.status} ${b.fatal}`, 'NO undefined', 'within the bound: read and dropped');
});

test('a refused non-synchronizing literal is discarded as it arrives, never buffered', () => {
  const r = new CommandReader({ nonSyncLiterals: 'LITERAL-' });
  r.feed(Buffer.from('a1 APPEND INBOX {10000000+}\r\n'));
  assert.equal(r.next()?.type, 'error');
  const chunk = Buffer.alloc(64 * 1024, 0x78);
  for (let sent = 0; sent < 10_000_000; sent += chunk.length) {
    r.feed(chunk.subarray(0, Math.min(chunk.length, 10_000_000 - sent)));
    assert.equal(r.next(), undefined);
    assert.equal(r.buffered, 0);
  }
  r.feed(Buffer.from('\r\na2 NOOP\r\n'));
  assert.deepEqual(parts(r.next()), ['a2 NOOP']);
});

test('a line over the limit: BAD with its tag after the CRLF, then business as usual', () => {
  const long = 'x'.repeat(200);
  const events = run(`a1 LOGIN ${long}\r\na2 NOOP\r\n`, { limits: { maxLineBytes: 100 } });
  assert.deepEqual(events[0], { type: 'error', tag: 'a1', status: 'BAD', text: 'Command line too long' });
  assert.deepEqual(parts(events[1]), ['a2 NOOP']);
  const [noTag] = run(`${long}\r\n`, { limits: { maxLineBytes: 100 } });
  assert.equal(noTag.type === 'error' && noTag.tag, '*');
});

test('the line limit counts every line of a command, not each alone', () => {
  const events = run(`a1 LOGIN {3+}\r\nabc ${'y'.repeat(90)}\r\n`, { limits: { maxLineBytes: 100 } });
  assert.equal(events[0].type, 'error');
  assert.deepEqual(run(`a1 LOGIN {3+}\r\nabc ${'y'.repeat(80)}\r\n`, { limits: { maxLineBytes: 100 } }).map((e) => e.type), ['command']);
});

test('a too-long line ending in a non-synchronizing literal skips the literal too', () => {
  const events = run(`a1 X ${'x'.repeat(200)} {5+}\r\nab\r\nc\r\na2 NOOP\r\n`, { limits: { maxLineBytes: 100 } });
  assert.equal(events.length, 2);
  assert.equal(events[0].type, 'error');
  assert.deepEqual(parts(events[1]), ['a2 NOOP']);
});

test('IDLE waits for DONE (RFC 2177), then commands resume', () => {
  const r = new CommandReader();
  r.feed(Buffer.from('a1 IDLE\r\ndone\r\na2 IDLE\r\nNOOP\r\na3 NOOP\r\n'));
  assert.deepEqual(parts(r.next()), ['a1 IDLE']);
  r.expectIdleDone();
  assert.deepEqual(r.next(), { type: 'idle-done', ok: true });
  assert.deepEqual(parts(r.next()), ['a2 IDLE']);
  r.expectIdleDone();
  assert.deepEqual(r.next(), { type: 'idle-done', ok: false });
  assert.deepEqual(parts(r.next()), ['a3 NOOP']);
});

test('AUTHENTICATE continuation lines are raw, braces and all', () => {
  const r = new CommandReader();
  r.feed(Buffer.from('a1 AUTHENTICATE PLAIN\r\nAGZyZWQAc2VjcmV0 {5}\r\na2 NOOP\r\n'));
  assert.deepEqual(parts(r.next()), ['a1 AUTHENTICATE PLAIN']);
  r.expectAuthResponse();
  assert.deepEqual(r.next(), { type: 'auth-response', line: 'AGZyZWQAc2VjcmV0 {5}' });
  assert.deepEqual(parts(r.next()), ['a2 NOOP']);
});

test('SASL response lines: base64, empty, or "*" to cancel (RFC 9051 §6.2.2)', () => {
  assert.deepEqual(parseSaslResponse('AGZyZWQAc2VjcmV0'), { cancel: false, data: Buffer.from('\0fred\0secret') });
  assert.deepEqual(parseSaslResponse(''), { cancel: false, data: Buffer.alloc(0) });
  assert.deepEqual(parseSaslResponse('*'), { cancel: true });
  for (const bad of ['abc', 'ab=c', 'a b', '====', '*x']) assert.equal(parseSaslResponse(bad), undefined, bad);
});

test('takeBuffered hands over what follows STARTTLS (RFC 9051 §6.2.1)', () => {
  const r = new CommandReader();
  r.feed(Buffer.from('a1 STARTTLS\r\na2 LOGIN injected\r\n'));
  assert.deepEqual(parts(r.next()), ['a1 STARTTLS']);
  assert.equal(r.takeBuffered().toString(), 'a2 LOGIN injected\r\n');
  assert.equal(r.next(), undefined);
});
