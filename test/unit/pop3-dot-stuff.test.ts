// RFC 1939 §3 byte-stuffing of multi-line responses and the TOP cut, checked against a
// straightforward reference and with the message split at every boundary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DotStuffer, dotStuff, topLength } from '../../src/pop3/dot-stuff.ts';

/** The reference: line by line, in strings. */
function reference(msg: string): string {
  let out = msg.replace(/(^|\n)\./g, '$1..');
  out += msg === '' || msg.endsWith('\r\n') ? '.\r\n' : '\r\n.\r\n';
  return out;
}

const cases = [
  'Subject: x\r\n\r\nbody\r\n',
  '.starts with a dot\r\n..two\r\n.\r\nlast\r\n',
  'Subject: dots\r\n\r\n.\r\n..\r\n...\r\nmid.dle\r\n.end',
  'no final newline',
  '',
  '.',
  '\r\n.\r\n',
  'bare\n.lf\n',
];

describe('DotStuffer', () => {
  it('stuffs lines that start with a dot and terminates the response', () => {
    for (const c of cases) assert.equal(dotStuff(Buffer.from(c)).toString('latin1'), reference(c), JSON.stringify(c));
    assert.equal(dotStuff(Buffer.from('a\r\n.b\r\n')).toString(), 'a\r\n..b\r\n.\r\n');
  });

  it('gives the same bytes for any split of the message', () => {
    for (const c of cases) {
      const buf = Buffer.from(c);
      for (let i = 0; i <= buf.length; i++) {
        for (let j = i; j <= buf.length; j++) {
          const s = new DotStuffer();
          const out = Buffer.concat([...s.push(buf.subarray(0, i)), ...s.push(buf.subarray(i, j)), ...s.push(buf.subarray(j)), s.end()]);
          assert.equal(out.toString('latin1'), reference(c), `${JSON.stringify(c)} at ${i},${j}`);
        }
      }
    }
  });

  it('undoing the stuffing gives back the message exactly', () => {
    const msg = Buffer.from('From: a\r\n\r\n.\r\n.. x\r\n\r\n.\r\nend\r\n');
    const sent = dotStuff(msg).toString('latin1');
    const lines = sent.split('\r\n');
    assert.equal(lines.at(-2), '.');
    const back = lines.slice(0, -2).map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n') + '\r\n';
    assert.equal(back, msg.toString('latin1'));
  });
});

describe('topLength', () => {
  const msg = Buffer.from('From: a\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\nline 3\r\n');
  const cut = (m: Buffer, n: number): string => m.subarray(0, topLength(m, n)).toString();

  it('sends the header and blank line, then n body lines', () => {
    assert.equal(cut(msg, 0), 'From: a\r\nSubject: b\r\n\r\n');
    assert.equal(cut(msg, 1), 'From: a\r\nSubject: b\r\n\r\nline 1\r\n');
    assert.equal(cut(msg, 3), msg.toString());
    assert.equal(cut(msg, 100), msg.toString());
  });

  it('handles a message without a body, without a header, and with LF line ends', () => {
    assert.equal(cut(Buffer.from('From: a\r\nSubject: b\r\n'), 0), 'From: a\r\nSubject: b\r\n');
    assert.equal(cut(Buffer.from('\r\nbody 1\r\nbody 2\r\n'), 1), '\r\nbody 1\r\n');
    assert.equal(cut(Buffer.from('A: b\n\nx\ny\n'), 1), 'A: b\n\nx\n');
    assert.equal(cut(Buffer.from('A: b\r\n\r\nno newline at end'), 5), 'A: b\r\n\r\nno newline at end');
  });
});
