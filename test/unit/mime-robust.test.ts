// Robustness: mutated and truncated corpus messages, absurd nesting, huge part counts and hostile
// input must parse without throwing, keep every offset inside the file, and format to
// well-formed IMAP. Also prints (does not assert) the throughput on a 4 KB message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, parseMessageUnguarded } from '../../src/mime/parse-message.ts';
import type { BodyPart } from '../../src/mime/parse-message.ts';
import { formatBodyStructure, formatEnvelope } from '../../src/mime/imap-format.ts';
import { MAX_DEPTH, MAX_PARTS, MAX_TEXT_CHARS } from '../../src/mime/limits.ts';
import { crlf, fixture, fixtureNames } from '../fixtures/mime/load.ts';

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOISE = ['\r\n', '\n', '\r', '--', '--b1', '--outer--', ':', ';', '"', '\\', '(', ')', '<', '>', '=?', '?=', '=', '%', '*0*=', "''",
  'Content-Type: multipart/mixed; boundary=outer\r\n\r\n', 'Content-Type: message/rfc822\r\n\r\n', '\0', '\xff', 'é'];

function mutate(buf: Buffer, r: () => number): Buffer {
  let b = buf;
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (b.length + 1));
    const op = Math.floor(r() * 5);
    if (op === 0) b = b.subarray(0, at);
    else if (op === 1) b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + Math.floor(r() * 64)))]);
    else if (op === 2) b = Buffer.concat([b.subarray(0, at), Buffer.from(NOISE[Math.floor(r() * NOISE.length)], 'latin1'), b.subarray(at)]);
    else if (op === 3) {
      const from = Math.floor(r() * b.length);
      b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + Math.floor(r() * 200)), b.subarray(at)]);
    } else if (at < b.length) {
      b = Buffer.from(b);
      b[at] = Math.floor(r() * 256);
    }
  }
  return b;
}

/** Every part lies inside its parent's body, sizes match offsets, and the depth is capped. */
function checkTree(p: BodyPart, lo: number, hi: number, depth: number): number {
  assert.ok(lo <= p.headerStart && p.headerStart <= p.bodyStart && p.bodyStart <= p.bodyEnd && p.bodyEnd <= hi);
  assert.equal(p.size, p.bodyEnd - p.bodyStart);
  assert.ok(depth <= MAX_DEPTH + 1);
  let n = 1;
  for (const c of p.parts ?? []) n += checkTree(c, p.bodyStart, p.bodyEnd, depth + 1);
  if (p.message !== undefined) {
    assert.equal(p.message.headerStart, p.bodyStart);
    n += checkTree(p.message, p.bodyStart, p.bodyEnd, depth + 1);
  }
  return n;
}

/** Checks the IMAP syntax: balanced parentheses, quoted strings closed, literal lengths right,
 *  and (without UTF8=ACCEPT) no 8-bit octet outside a literal. */
function checkWire(s: string, utf8: boolean): void {
  const b = Buffer.from(s, 'utf8');
  let depth = 0;
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c === 0x28) depth++;
    else if (c === 0x29) assert.ok(--depth >= 0, 'unbalanced )');
    else if (c === 0x22) {
      i++;
      while (b[i] !== 0x22) {
        assert.ok(i < b.length, 'unterminated quoted string');
        assert.ok(b[i] !== 0x0d && b[i] !== 0x0a && b[i] !== 0, 'CR, LF or NUL in a quoted string');
        if (!utf8) assert.ok(b[i] < 0x80, '8-bit octet in a quoted string');
        i += b[i] === 0x5c ? 2 : 1;
      }
    } else if (c === 0x7b) {
      const close = b.indexOf(0x7d, i);
      const n = Number(b.toString('latin1', i + 1, close));
      assert.equal(b.toString('latin1', close + 1, close + 3), '\r\n');
      i = close + 2 + n;
      assert.ok(i < b.length);
    } else {
      assert.ok(c >= 0x20 && c < 0x80, `stray octet ${c}`);
    }
    i++;
  }
  assert.equal(depth, 0, 'unbalanced (');
}

function checkAll(raw: Buffer): void {
  const m = parseMessageUnguarded(raw);
  assert.equal(m.headerEnd, m.body.bodyStart);
  const parts = checkTree(m.body, 0, raw.length, 0);
  assert.ok(parts <= MAX_PARTS + 1);
  assert.ok(m.text.length <= MAX_TEXT_CHARS);
  for (const utf8 of [false, true]) {
    checkWire(formatEnvelope(m.envelope, utf8), utf8);
    checkWire(formatBodyStructure(m.body, true, utf8), utf8);
    checkWire(formatBodyStructure(m.body, false, utf8), utf8);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(m.body)), m.body);
}

test('random mutations and truncations of the corpus never throw and stay consistent', () => {
  const r = rng(20250301);
  for (const name of fixtureNames()) {
    const raw = fixture(name);
    checkAll(raw);
    for (let k = 0; k < 400; k++) {
      const mutated = mutate(raw, r);
      try {
        checkAll(mutated);
      } catch (err) {
        assert.fail(`${name} mutation ${k} (${JSON.stringify(mutated.toString('latin1'))}): ${String(err)}`);
      }
    }
    for (let cut = 0; cut <= raw.length; cut += 7) checkAll(raw.subarray(0, cut));
  }
});

test('absurd nesting is capped at MAX_DEPTH', () => {
  let msg = 'leaf';
  for (let d = 0; d < 400; d++) msg = `Content-Type: multipart/mixed; boundary=b${d}\r\n\r\n--b${d}\r\n${msg}\r\n--b${d}--\r\n`;
  checkAll(Buffer.from(msg));
  let rfc822 = 'Subject: deepest\r\n\r\nhi';
  for (let d = 0; d < 400; d++) rfc822 = `Subject: level ${d}\r\nContent-Type: message/rfc822\r\n\r\n${rfc822}`;
  const m = parseMessage(Buffer.from(rfc822));
  let depth = 0;
  for (let p: BodyPart | undefined = m.body; p !== undefined; p = p.message) depth++;
  assert.equal(depth, MAX_DEPTH + 1);
  checkAll(Buffer.from(rfc822));
});

test('huge numbers of parts are capped at MAX_PARTS', () => {
  const part = '--x\r\nContent-Type: text/plain\r\n\r\nx\r\n';
  const raw = Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n' + part.repeat(MAX_PARTS + 5000) + '--x--\r\n');
  const t0 = performance.now();
  const m = parseMessage(raw);
  const ms = performance.now() - t0;
  assert.equal(m.body.parts?.length, MAX_PARTS - 1);
  checkAll(raw);
  console.log(`# ${MAX_PARTS + 5000} parts (${raw.length} octets) parsed in ${ms.toFixed(1)} ms`);
});

test('hostile input stays linear: endless header line, delimiter look-alikes, unclosed HTML', () => {
  const t0 = performance.now();
  checkAll(Buffer.from('Subject: ' + 'x'.repeat(2_000_000)));
  checkAll(Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n' + 'x--b--bb '.repeat(200_000)));
  checkAll(Buffer.from('Content-Type: text/html\r\n\r\n' + '<script <style <a <!-- '.repeat(100_000)));
  checkAll(Buffer.from('From: ' + '"('.repeat(100_000) + '\r\nTo: ' + '<'.repeat(100_000) + '\r\n\r\n'));
  checkAll(Buffer.from('Content-Type: text/plain; ' + 'a*0*=%;'.repeat(50_000) + '\r\n\r\n'));
  const ms = performance.now() - t0;
  assert.ok(ms < 20_000, `took ${ms} ms`);
});

test('throughput on a 4 KB message (printed, not asserted)', () => {
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n';
  const raw = Buffer.from(crlf([
    'Received: from mail.example.org (mail.example.org [192.0.2.1]) by mx.example.com with ESMTPS;',
    ' Mon, 3 Mar 2025 09:15:02 +0000',
    'From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.fr>', 'To: Bob <bob@example.com>, carol@example.com',
    'Subject: =?UTF-8?Q?R=C3=A9union?=', 'Date: Mon, 3 Mar 2025 10:15:00 +0100', 'Message-ID: <x@example.fr>',
    'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="alt"', '',
    '--alt', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
    filler.repeat(24), '--alt', 'Content-Type: text/html; charset=utf-8', '',
    '<html><body><p>' + filler.repeat(22) + '</p></body></html>', '--alt--', '',
  ]));
  for (let i = 0; i < 200; i++) parseMessage(raw); // warm up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 500) {
    const m = parseMessage(raw);
    formatBodyStructure(m.body, true);
    formatEnvelope(m.envelope);
    JSON.stringify(m.body);
    n++;
  }
  const perSec = Math.round((n * 1000) / (performance.now() - t0));
  console.log(`# ${raw.length}-octet message: ${perSec} parse+format+JSON per second`);
});
