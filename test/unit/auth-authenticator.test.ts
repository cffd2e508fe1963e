// PasswordAuthenticator over a real SQLite directory in memory: answers, unknown users, the
// login cache, re-hashing of imported hashes, canonical user names and the log line.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import pino from 'pino';
import { PasswordAuthenticator, type PasswordAuthenticatorDeps } from '../../src/auth/password-authenticator.ts';
import type { LoginRequest } from '../../src/auth/authenticator.ts';
import { openDatabase } from '../../src/db/sqlite.ts';
import type { Directory } from '../../src/directory/directory.ts';
import { hashPassword, needsRehash, verifyPassword } from '../../src/directory/passwords.ts';
import { SqliteDirectory } from '../../src/directory/sqlite-directory.ts';

const PASSWORD = 'correct horse battery staple';
/** `doveadm pw -s SHA512-CRYPT -p pässwörd` (also in passwords.test.ts). */
const DOVECOT_HASH = '{SHA512-CRYPT}$6$6QpKbW0k5MckFM0A$lSU.l4Kd/bPX6HkLPD591bB7eK5DVoigytPJUO0GHf0PO5F4Qku6gQI5XrPBPJOO0Ou1THmRaVaZOFf3dJyM9.';

type Line = Record<string, unknown>;

let kimHash = '';
before(async () => {
  kimHash = await hashPassword(PASSWORD);
});

/** A fresh directory with kim@example.test, a clock the test moves, and counters on everything. */
async function setup(extra: Partial<PasswordAuthenticatorDeps> = {}) {
  const directory = new SqliteDirectory(openDatabase(':memory:'));
  await directory.addDomain('example.test');
  await directory.addAccount({ local: 'kim', domain: 'example.test', passwordHash: kimHash, quota: 0 });
  const lines: Line[] = [];
  const log = pino({ level: 'debug', base: undefined }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const t = { now: 1_700_000_000_000 };
  const sleeps: number[] = [];
  const verified: string[] = [];
  const hashed: string[] = [];
  const auth = new PasswordAuthenticator({
    directory,
    log,
    clock: () => t.now,
    sleep: async (ms) => void sleeps.push(ms),
    verify: (plain, stored) => {
      verified.push(stored);
      return verifyPassword(plain, stored);
    },
    hash: (plain) => {
      hashed.push(plain);
      return hashPassword(plain);
    },
    ...extra,
  });
  const login = (username: string, password: string, more: Partial<LoginRequest> = {}) =>
    auth.login({ username, password, ip: '192.0.2.10', service: 'imap', mechanism: 'PLAIN', tls: true, sid: 'S1', ...more });
  const logins = () => lines.filter((l) => l.event === 'auth.login');
  return { directory, auth, login, lines, logins, t, sleeps, verified, hashed };
}

describe('PasswordAuthenticator', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const s = await setup();
    const ok = await s.login('kim@example.test', PASSWORD);
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && ok.account.address, 'kim@example.test');
    assert.deepEqual(await s.login('kim@example.test', 'wrong'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await s.login('kim@example.test', ''), { ok: false, reason: 'invalid' });
  });

  it('writes one auth.login line per attempt, never with the password', async () => {
    const s = await setup();
    await s.login('kim@example.test', PASSWORD);
    await s.login('kim@example.test', 'hunter2-wrong', { service: 'pop3', mechanism: 'USER', tls: false, sid: 'S2', ip: '2001:db8::7' });
    assert.deepEqual(s.logins().map(({ level: _l, time: _t, msg: _m, ...rest }) => rest), [
      { event: 'auth.login', sid: 'S1', service: 'imap', mechanism: 'PLAIN', user: 'kim@example.test', ip: '192.0.2.10', tls: true, result: 'ok', delayMs: 0 },
      { event: 'auth.login', sid: 'S2', service: 'pop3', mechanism: 'USER', user: 'kim@example.test', ip: '2001:db8::7', tls: false, result: 'invalid', delayMs: 0 },
    ]);
    const all = JSON.stringify(s.lines);
    assert.ok(!all.includes(PASSWORD) && !all.includes('hunter2-wrong'));
  });

  it('canonicalises the user name: case and IDN', async () => {
    const s = await setup();
    await s.directory.addDomain('xn--bcher-kva.test');
    await s.directory.addAccount({ local: 'jo', domain: 'xn--bcher-kva.test', passwordHash: kimHash, quota: 0 });
    const r = await s.login('Kim@EXAMPLE.test', PASSWORD);
    assert.equal(r.ok && r.account.address, 'kim@example.test');
    const idn = await s.login('JO@Bücher.TEST', PASSWORD);
    assert.equal(idn.ok && idn.account.address, 'jo@xn--bcher-kva.test');
    assert.deepEqual(s.logins().map((l) => l.user), ['kim@example.test', 'jo@xn--bcher-kva.test']);
  });

  it('treats an unknown or unparsable user like a wrong password, verifying against a dummy hash', async () => {
    const s = await setup();
    assert.deepEqual(await s.login('nobody@example.test', PASSWORD), { ok: false, reason: 'invalid' });
    assert.deepEqual(await s.login('no at sign', PASSWORD), { ok: false, reason: 'invalid' });
    assert.deepEqual(await s.login('x'.repeat(100), PASSWORD), { ok: false, reason: 'invalid' });
    assert.equal(s.verified.length, 3, 'each attempt ran a verification');
    assert.ok(s.verified.every((h) => h.startsWith('$argon2id$') && h !== kimHash && h === s.verified[0]));
    assert.equal(s.hashed.length, 1, 'the dummy hash is made once');
    assert.deepEqual(s.logins().map((l) => l.user), ['nobody@example.test', 'no at sign', 'x'.repeat(64)]);
    assert.ok(s.logins().every((l) => l.result === 'invalid'));
  });

  it('takes about as long for an unknown user as for a wrong password', async () => {
    const s = await setup({ verify: verifyPassword, options: { freeFailures: 1000 } });
    await s.login('nobody@example.test', 'x'); // makes the dummy hash
    const median = async (user: string): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await s.login(user, 'wrong password', { ip: `192.0.2.${100 + i}` });
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[2];
    };
    const known = await median('kim@example.test');
    const unknown = await median('nobody@example.test');
    const ratio = unknown / known;
    assert.ok(ratio > 1 / 3 && ratio < 3, `unknown ${unknown.toFixed(1)} ms vs wrong password ${known.toFixed(1)} ms`);
  });

  it('caches a successful login: no second hash, but a fresh directory read', async () => {
    const s = await setup();
    assert.equal((await s.login('kim@example.test', PASSWORD)).ok, true);
    assert.equal((await s.login('Kim@Example.test', PASSWORD, { ip: '198.51.100.1' })).ok, true);
    assert.equal(s.verified.length, 1, 'the second login was a cache hit');
    // A wrong password is never a hit.
    assert.equal((await s.login('kim@example.test', 'wrong')).ok, false);
    assert.equal(s.verified.length, 2);
    // A removed account fails at once even though its login is cached.
    await s.directory.removeAccount('kim@example.test');
    assert.deepEqual(await s.login('kim@example.test', PASSWORD), { ok: false, reason: 'invalid' });
  });

  it('forgets cached logins when the password changes', async () => {
    const s = await setup();
    assert.equal((await s.login('kim@example.test', PASSWORD)).ok, true);
    await s.directory.setPassword('kim@example.test', await hashPassword('new secret'));
    const before = s.verified.length;
    assert.deepEqual(await s.login('kim@example.test', PASSWORD), { ok: false, reason: 'invalid' });
    assert.equal(s.verified.length, before + 1, 'the old password was checked against the new hash');
    assert.equal((await s.login('kim@example.test', 'new secret')).ok, true);
    assert.equal((await s.login('kim@example.test', 'new secret')).ok, true);
    assert.equal(s.verified.length, before + 2);
  });

  it('forgets cached logins after the TTL', async () => {
    const s = await setup({ cache: { ttlMs: 60_000 } });
    await s.login('kim@example.test', PASSWORD);
    s.t.now += 59_000;
    await s.login('kim@example.test', PASSWORD);
    assert.equal(s.verified.length, 1);
    s.t.now += 1_000;
    assert.equal((await s.login('kim@example.test', PASSWORD)).ok, true);
    assert.equal(s.verified.length, 2);
  });

  it('can run without the cache', async () => {
    const s = await setup({ cache: { ttlMs: 0 } });
    await s.login('kim@example.test', PASSWORD);
    await s.login('kim@example.test', PASSWORD);
    assert.equal(s.verified.length, 2);
  });

  it('re-hashes an imported Dovecot hash with argon2id after a successful login', async () => {
    const s = await setup();
    await s.directory.addAccount({ local: 'old', domain: 'example.test', passwordHash: DOVECOT_HASH, quota: 0 });
    assert.equal((await s.login('old@example.test', 'wrong')).ok, false);
    await s.auth.drain();
    assert.equal((await s.directory.getAccount('old@example.test'))?.passwordHash, DOVECOT_HASH, 'no re-hash on failure');

    const r = await s.login('old@example.test', 'pässwörd');
    assert.equal(r.ok, true);
    await s.auth.drain();
    const stored = (await s.directory.getAccount('old@example.test'))?.passwordHash ?? '';
    assert.match(stored, /^\$argon2id\$/);
    assert.equal(needsRehash(stored), false);
    assert.equal(await verifyPassword('pässwörd', stored), true);
    assert.ok(s.lines.some((l) => l.event === 'auth.rehash' && l.user === 'old@example.test' && l.from === 'SHA512-CRYPT'));
    // The cache follows the new hash: the next login needs no verification.
    const n = s.verified.length;
    assert.equal((await s.login('old@example.test', 'pässwörd')).ok, true);
    assert.equal(s.verified.length, n);
  });

  it('does not make the login wait for the re-hash, and re-hashes once for concurrent logins', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((r) => (release = r));
    let hashes = 0;
    const s = await setup({
      hash: async (plain) => {
        if (plain !== 'pässwörd') return hashPassword(plain); // the dummy
        hashes++;
        await gate;
        return hashPassword(plain);
      },
    });
    await s.directory.addAccount({ local: 'old', domain: 'example.test', passwordHash: DOVECOT_HASH, quota: 0 });
    const results = await Promise.all([1, 2, 3].map(() => s.login('old@example.test', 'pässwörd')));
    assert.ok(results.every((r) => r.ok), 'logins finished while the re-hash is still waiting');
    assert.equal((await s.directory.getAccount('old@example.test'))?.passwordHash, DOVECOT_HASH);
    release();
    await s.auth.drain();
    assert.equal(hashes, 1);
    assert.match((await s.directory.getAccount('old@example.test'))?.passwordHash ?? '', /^\$argon2id\$/);
  });

  it('does not overwrite a password changed during the re-hash', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((r) => (release = r));
    const s = await setup({
      hash: async (plain) => {
        await gate;
        return hashPassword(plain);
      },
    });
    await s.directory.addAccount({ local: 'old', domain: 'example.test', passwordHash: DOVECOT_HASH, quota: 0 });
    assert.equal((await s.login('old@example.test', 'pässwörd')).ok, true);
    await s.directory.setPassword('old@example.test', kimHash);
    release();
    await s.auth.drain();
    assert.equal((await s.directory.getAccount('old@example.test'))?.passwordHash, kimHash);
  });

  it('answers unavailable when the directory fails, and does not count it as a failure', async () => {
    const broken = { getAccount: async () => Promise.reject(new Error('database is locked')) } as unknown as Directory;
    const s = await setup({ directory: broken });
    for (let i = 0; i < 5; i++) assert.deepEqual(await s.login('kim@example.test', PASSWORD), { ok: false, reason: 'unavailable' });
    assert.deepEqual(s.sleeps, []);
    assert.ok(s.logins().every((l) => l.result === 'unavailable' && l.level === 50));
  });
});
