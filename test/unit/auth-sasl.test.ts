// SASL PLAIN (RFC 4616) and LOGIN decoding: the well-formed cases and every way to get it wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOGIN_PASSWORD_PROMPT,
  LOGIN_USERNAME_PROMPT,
  MAX_SASL_BASE64,
  decodeBase64,
  decodeLoginResponse,
  decodePlain,
  encodePlain,
  isSaslCancel,
  parsePlain,
} from '../../src/auth/sasl.ts';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

describe('decodePlain', () => {
  it('decodes authcid and password with an empty authzid', () => {
    assert.deepEqual(decodePlain(b64('\u0000kim@example.test\u0000correct horse')), { authzid: '', authcid: 'kim@example.test', password: 'correct horse' });
    assert.deepEqual(decodePlain(encodePlain('kim@example.test', 'pässwörd 🔑')), { authzid: '', authcid: 'kim@example.test', password: 'pässwörd 🔑' });
  });

  it('accepts an authzid that names the authcid, and refuses any other (no proxy login)', () => {
    assert.deepEqual(decodePlain(encodePlain('kim@example.test', 'pw', 'kim@example.test'))?.authzid, 'kim@example.test');
    assert.deepEqual(decodePlain(encodePlain('kim@example.test', 'pw', 'Kim@EXAMPLE.test'))?.authcid, 'kim@example.test');
    assert.equal(decodePlain(encodePlain('kim@example.test', 'pw', 'admin@example.test')), null);
    assert.deepEqual(parsePlain(encodePlain('kim@example.test', 'pw', 'admin@example.test')), { ok: false, reason: 'authzid' });
    assert.deepEqual(parsePlain(encodePlain('kim', 'pw', 'KIM')), { ok: false, reason: 'authzid' });
    assert.equal(decodePlain(encodePlain('kim', 'pw', 'kim'))?.authcid, 'kim');
  });

  it('keeps spaces and other characters of the password as they are', () => {
    assert.equal(decodePlain(encodePlain('u@x.test', ' a b \t\r\n '))?.password, ' a b \t\r\n ');
  });

  it('refuses a message without exactly two NULs, or with an empty authcid or password', () => {
    for (const m of ['kim@example.test', 'kim@example.test\u0000pw', '\u0000kim\u0000pw\u0000', '\u0000kim\u0000p\u0000w', '\u0000\u0000pw', '\u0000kim\u0000', '\u0000\u0000', '']) {
      assert.equal(decodePlain(b64(m)), null, JSON.stringify(m));
      assert.deepEqual(parsePlain(b64(m)), { ok: false, reason: 'malformed' }, JSON.stringify(m));
    }
  });

  it('refuses text that is not base64, and bytes that are not UTF-8', () => {
    const good = b64('\u0000kim\u0000pw'); // AGtpbQBwdw==
    assert.equal(good, 'AGtpbQBwdw==');
    for (const bad of [' ' + good, good + '\r\n', 'AGtp bQBwdw==', 'AGtpbQBwdw=', 'AGtpbQBwdw===', 'AGtpbQBw=dw=', 'AGtpbQBwdw-_', '*', '=', 'A']) {
      assert.equal(decodePlain(bad), null, JSON.stringify(bad));
    }
    assert.equal(decodePlain('AGtpbQBwdw')?.password, 'pw', 'padding may be left out');
    assert.equal(decodePlain(b64(Buffer.from([0, 0x6b, 0, 0xff, 0xfe]))), null, 'invalid UTF-8');
    assert.equal(decodePlain(b64(Buffer.from([0, 0x6b, 0, 0xed, 0xa0, 0x80]))), null, 'UTF-8 surrogate');
    assert.equal(decodePlain(b64(Buffer.from([0xc0, 0x80, 0x6b, 0, 0x6b, 0, 0x70]))), null, 'overlong NUL');
  });

  it('refuses an over-long message', () => {
    const long = encodePlain('kim@example.test', 'x'.repeat(MAX_SASL_BASE64));
    assert.ok(long.length > MAX_SASL_BASE64);
    assert.equal(decodePlain(long), null);
    assert.equal(decodePlain(encodePlain('kim@example.test', 'x'.repeat(1024)))?.password.length, 1024);
  });
});

describe('LOGIN mechanism', () => {
  it('prompts with base64 "Username:" and "Password:"', () => {
    assert.equal(Buffer.from(LOGIN_USERNAME_PROMPT, 'base64').toString(), 'Username:');
    assert.equal(Buffer.from(LOGIN_PASSWORD_PROMPT, 'base64').toString(), 'Password:');
  });

  it('decodes answers, refusing empty, NUL, non-UTF-8 and non-base64 ones', () => {
    assert.equal(decodeLoginResponse(b64('kim@example.test')), 'kim@example.test');
    assert.equal(decodeLoginResponse(b64('pässwörd')), 'pässwörd');
    assert.equal(decodeLoginResponse(''), null);
    assert.equal(decodeLoginResponse(b64('a\u0000b')), null);
    assert.equal(decodeLoginResponse(b64(Buffer.from([0xff]))), null);
    assert.equal(decodeLoginResponse('not base64!'), null);
  });
});

describe('helpers', () => {
  it('decodeBase64 and isSaslCancel', () => {
    assert.deepEqual(decodeBase64(''), Buffer.alloc(0));
    assert.deepEqual(decodeBase64('YQ=='), Buffer.from('a'));
    assert.deepEqual(decodeBase64('YQ'), Buffer.from('a'));
    assert.equal(decodeBase64('Y'), null);
    assert.equal(isSaslCancel('*'), true);
    assert.equal(isSaslCancel('* '), false);
  });
});
