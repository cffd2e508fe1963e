// The POP3 line reader and command parser: pure, so every case is a value in and a value out,
// including input split at every byte boundary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineReader, type LineEvent } from '../../src/pop3/line-reader.ts';
import { isParseError, parseCommand, type Command, type ParseError } from '../../src/pop3/parser.ts';

const p = (line: string): Command | ParseError => parseCommand(Buffer.from(line, 'utf8'));

describe('parseCommand', () => {
  it('parses every command, keywords case-insensitive', () => {
    assert.deepEqual(p('capa'), { name: 'CAPA' });
    assert.deepEqual(p('StLs'), { name: 'STLS' });
    assert.deepEqual(p('USER kim@example.test'), { name: 'USER', user: 'kim@example.test' });
    assert.deepEqual(p('STAT'), { name: 'STAT' });
    assert.deepEqual(p('LIST'), { name: 'LIST', msg: null });
    assert.deepEqual(p('LIST 2'), { name: 'LIST', msg: 2 });
    assert.deepEqual(p('retr 17'), { name: 'RETR', msg: 17 });
    assert.deepEqual(p('DELE 1'), { name: 'DELE', msg: 1 });
    assert.deepEqual(p('RSET'), { name: 'RSET' });
    assert.deepEqual(p('TOP 1 0'), { name: 'TOP', msg: 1, lines: 0 });
    assert.deepEqual(p('UIDL'), { name: 'UIDL', msg: null });
    assert.deepEqual(p('UIDL 3'), { name: 'UIDL', msg: 3 });
    assert.deepEqual(p('NOOP'), { name: 'NOOP' });
    assert.deepEqual(p('QUIT'), { name: 'QUIT' });
  });

  it('keeps spaces in a password (RFC 1939 §7 PASS)', () => {
    assert.deepEqual(p('PASS correct horse  battery '), { name: 'PASS', password: 'correct horse  battery ' });
    assert.deepEqual(p('PASS pässwörd'), { name: 'PASS', password: 'pässwörd' });
  });

  it('parses AUTH with and without a mechanism and an initial response', () => {
    assert.deepEqual(p('AUTH'), { name: 'AUTH', mechanism: null, initial: null });
    assert.deepEqual(p('auth plain'), { name: 'AUTH', mechanism: 'PLAIN', initial: null });
    assert.deepEqual(p('AUTH PLAIN AGtpbQBwdw=='), { name: 'AUTH', mechanism: 'PLAIN', initial: 'AGtpbQBwdw==' });
    assert.deepEqual(p('AUTH PLAIN ='), { name: 'AUTH', mechanism: 'PLAIN', initial: '=' });
    assert.ok(isParseError(p('AUTH PLAIN a b')));
  });

  it('refuses wrong arguments with a syntax error', () => {
    for (const bad of ['RETR', 'RETR x', 'RETR -1', 'RETR +1', 'RETR 1 2', 'DELE', 'TOP 1', 'TOP 1 -1', 'TOP a 1', 'LIST 1 2', 'STAT 1', 'USER', 'USER  ', 'PASS', 'RETR 99999999999']) {
      const r = p(bad);
      assert.ok(isParseError(r) && r.error === 'syntax', bad);
    }
  });

  it('takes QUIT with words after it, as Dovecot does (the DELEs are made)', () => {
    assert.deepEqual(p('QUIT now'), { name: 'QUIT' });
  });

  it('does not know APOP or anything else', () => {
    for (const u of ['APOP kim 1234', 'XYZZY', '', ' ', 'LIST\t1'.replace('\t', 'X')]) {
      const r = p(u);
      assert.ok(isParseError(r) && r.error === 'unknown', JSON.stringify(u));
    }
  });

  it('takes 253 octets plus CRLF and refuses 254 (RFC 2449 §4)', () => {
    assert.deepEqual(p(`USER ${'a'.repeat(248)}`), { name: 'USER', user: 'a'.repeat(248) });
    const r = p(`USER ${'a'.repeat(249)}`);
    assert.ok(isParseError(r) && r.error === 'too-long');
  });

  it('refuses invalid UTF-8 and NUL', () => {
    assert.ok(isParseError(parseCommand(Buffer.from([0x55, 0x53, 0x45, 0x52, 0x20, 0xff]))));
    assert.ok(isParseError(p('USER a\u0000b')));
  });
});

const collect = (r: LineReader, chunks: Buffer[]): string[] =>
  chunks.flatMap((c) => r.push(c)).map((e: LineEvent) => (e.kind === 'line' ? e.line.toString('latin1') : '<too-long>'));

describe('LineReader', () => {
  const input = Buffer.from('CAPA\r\nUSER kim\r\nPASS a b\nNOOP\r\n\r\nQUIT\r\n');
  const expected = ['CAPA', 'USER kim', 'PASS a b', 'NOOP', '', 'QUIT'];

  it('frames lines ending in CRLF or LF', () => {
    assert.deepEqual(collect(new LineReader(), [input]), expected);
  });

  it('gives the same lines when the input is split at any two boundaries', () => {
    for (let i = 0; i <= input.length; i++) {
      for (let j = i; j <= input.length; j++) {
        const chunks = [input.subarray(0, i), input.subarray(i, j), input.subarray(j)];
        assert.deepEqual(collect(new LineReader(), chunks), expected, `split at ${i},${j}`);
      }
    }
  });

  it('reports an over-long line once, skips it, and goes on', () => {
    const r = new LineReader(20);
    const long = Buffer.from(`${'x'.repeat(50)}\r\nNOOP\r\n`);
    assert.deepEqual(collect(r, [long]), ['<too-long>', 'NOOP']);
    const r2 = new LineReader(20);
    const chunks = [];
    for (let i = 0; i < long.length; i += 3) chunks.push(long.subarray(i, i + 3));
    assert.deepEqual(collect(r2, chunks), ['<too-long>', 'NOOP']);
    // Exactly at the limit (with CRLF) is fine.
    assert.deepEqual(collect(new LineReader(20), [Buffer.from(`${'y'.repeat(18)}\r\n`)]), ['y'.repeat(18)]);
    assert.deepEqual(collect(new LineReader(20), [Buffer.from(`${'y'.repeat(19)}\r\n`)]), ['<too-long>']);
  });

  it('does not buffer without bound while skipping', () => {
    const r = new LineReader(20);
    for (let i = 0; i < 1000; i++) assert.deepEqual(collect(r, [Buffer.alloc(1000, 0x41)]), i === 0 ? ['<too-long>'] : []);
    assert.deepEqual(collect(r, [Buffer.from('A\r\nQUIT\r\n')]), ['QUIT']);
  });

  it('clear() drops a partial line (STLS)', () => {
    const r = new LineReader();
    collect(r, [Buffer.from('NOOP\r\nUSER inj')]);
    r.clear();
    assert.deepEqual(collect(r, [Buffer.from('CAPA\r\n')]), ['CAPA']);
  });
});
