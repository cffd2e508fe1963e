// The DATA checks: smuggling patterns, line length, bare LF normalisation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasSmugglingPattern, vetMessage } from '../../src/smtp/read-message.ts';

describe('vetMessage', () => {
  it('finds every bare CR/LF variant of an end-of-data dot, and only those', () => {
    for (const bad of ['a\n.\nb', 'a\n.\r\nb', 'a\r\n.\nb', 'a\r.\rb', 'a\r\n.\rb', 'a\r.\r\nb', '.\nb', '.\rb', 'a\r\n.\r']) {
      assert.ok(hasSmugglingPattern(Buffer.from(bad)), JSON.stringify(bad));
    }
    for (const good of ['a\r\n..\r\nb', 'a.b\r\n', 'a\r\n.x\r\n', 'x.\r\n.y', '...', 'a\r\n.']) {
      assert.ok(!hasSmugglingPattern(Buffer.from(good)), JSON.stringify(good));
    }
  });

  it('turns bare LF into CRLF and leaves CRLF alone', () => {
    const r = vetMessage(Buffer.from('A: b\nC: d\r\n\nbody\n'), 1000);
    assert.ok(r.ok);
    assert.equal(r.ok && r.content.toString(), 'A: b\r\nC: d\r\n\r\nbody\r\n');
    const same = Buffer.from('A: b\r\n\r\nx\r\n');
    const r2 = vetMessage(same, 1000);
    assert.equal(r2.ok && r2.content, same, 'no copy when nothing changes');
  });

  it('refuses lines over the limit, including an unterminated last line', () => {
    assert.equal(vetMessage(Buffer.from('a'.repeat(11) + '\r\n'), 10).ok, false);
    assert.equal(vetMessage(Buffer.from('ok\r\n' + 'a'.repeat(11)), 10).ok, false);
    assert.equal(vetMessage(Buffer.from('a'.repeat(10) + '\r\n'), 10).ok, true);
  });
});
