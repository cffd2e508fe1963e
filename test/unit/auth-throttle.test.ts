// Failure throttling: the delay schedule, the per-IP hard limit, per-user counters, expiry,
// IP buckets. Through the PasswordAuthenticator with an injected clock and sleep, and a fast
// fake verify (the password is "right"), so no test waits.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { PasswordAuthenticator } from '../../src/auth/password-authenticator.ts';
import type { LoginRequest } from '../../src/auth/authenticator.ts';
import { DEFAULT_THROTTLE_OPTIONS, LoginThrottle, delayForFailures, ipBucket, type ThrottleOptions } from '../../src/auth/throttle.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { openDatabase } from '../../src/db/sqlite.ts';
import { SqliteDirectory } from '../../src/directory/sqlite-directory.ts';

const MIN = 60_000;

let directory: SqliteDirectory;
before(async () => {
  directory = new SqliteDirectory(openDatabase(':memory:'));
  await directory.addDomain('example.test');
  for (const local of ['kim', 'lee']) await directory.addAccount({ local, domain: 'example.test', passwordHash: 'H', quota: 0 });
});

function setup(options: Partial<ThrottleOptions> = {}) {
  const t = { now: 1_700_000_000_000 };
  const sleeps: number[] = [];
  let verifies = 0;
  const auth = new PasswordAuthenticator({
    directory,
    log: silentLogger(),
    clock: () => t.now,
    sleep: async (ms) => void sleeps.push(ms),
    verify: async (plain) => {
      verifies++;
      return plain === 'right';
    },
    hash: async () => 'DUMMY',
    cache: { ttlMs: 0 },
    options,
  });
  const login = (username: string, password: string, ip = '192.0.2.1', more: Partial<LoginRequest> = {}) =>
    auth.login({ username, password, ip, service: 'imap', mechanism: 'LOGIN', tls: true, sid: 'S', ...more });
  return { auth, login, t, sleeps, verifies: () => verifies };
}

describe('delayForFailures', () => {
  it('is free for two failures, then doubles from 250 ms to the 15 s cap', () => {
    const d = Array.from({ length: 12 }, (_, f) => delayForFailures(f, DEFAULT_THROTTLE_OPTIONS));
    assert.deepEqual(d, [0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    assert.equal(delayForFailures(1e9, DEFAULT_THROTTLE_OPTIONS), 15000);
  });
});

describe('login throttling', () => {
  it('waits longer after each failure, loopback included', async () => {
    for (const ip of ['127.0.0.1', '::1']) {
      const s = setup();
      for (let i = 0; i < 10; i++) assert.deepEqual(await s.login(`u${i}@example.test`, 'wrong', ip), { ok: false, reason: 'invalid' });
      assert.deepEqual(s.sleeps, [250, 500, 1000, 2000, 4000, 8000, 15000]);
      assert.equal(s.verifies(), 10);
    }
  });

  it('forgets failures after 15 minutes without one', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.login('kim@example.test', 'wrong');
    s.t.now += 14 * MIN;
    await s.login('kim@example.test', 'wrong');
    assert.deepEqual(s.sleeps, [250, 500, 1000]);
    s.t.now += 15 * MIN;
    await s.login('kim@example.test', 'wrong');
    assert.deepEqual(s.sleeps, [250, 500, 1000], 'no delay after a quiet window');
  });

  it('counts failures per user across addresses', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.login('kim@example.test', 'wrong', `198.51.100.${i}`);
    await s.login('KIM@example.test', 'wrong', '203.0.113.9');
    assert.deepEqual(s.sleeps, [250, 500, 1000], 'each address is new, the user is not');
    await s.login('lee@example.test', 'wrong', '203.0.113.10');
    assert.deepEqual(s.sleeps, [250, 500, 1000], 'other users are not slowed');
  });

  it('a success clears the user counter but not the address counter', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.login('kim@example.test', 'wrong', '192.0.2.1');
    assert.equal((await s.login('kim@example.test', 'right', '192.0.2.1')).ok, true);
    assert.deepEqual(s.sleeps, [250, 500, 1000]);
    await s.login('kim@example.test', 'right', '192.0.2.2');
    assert.deepEqual(s.sleeps, [250, 500, 1000], 'no delay for kim from elsewhere');
    await s.login('lee@example.test', 'right', '192.0.2.1');
    assert.deepEqual(s.sleeps, [250, 500, 1000, 1000], 'the address keeps its 5 failures');
  });

  it('refuses at once past the hard limit per address, without checking the password', async () => {
    const s = setup();
    for (let i = 0; i < 30; i++) await s.login(`u${i}@example.test`, 'wrong');
    const sleeps = s.sleeps.length;
    const verifies = s.verifies();
    assert.deepEqual(await s.login('kim@example.test', 'right'), { ok: false, reason: 'throttled' });
    assert.deepEqual(await s.login('kim@example.test', 'wrong'), { ok: false, reason: 'throttled' });
    assert.equal(s.verifies(), verifies, 'no verification');
    assert.equal(s.sleeps.length, sleeps, 'no delay');
    // Another address is not affected, nor is kim from there (2 failures from the throttled
    // address did not count against kim).
    assert.equal((await s.login('kim@example.test', 'right', '192.0.2.77')).ok, true);
    assert.equal(s.sleeps.length, sleeps);
  });

  it('stays refused while the client keeps trying, and lifts after a quiet window', async () => {
    const s = setup();
    for (let i = 0; i < 30; i++) await s.login('x@example.test', 'wrong');
    s.t.now += 10 * MIN;
    assert.equal((await s.login('kim@example.test', 'right')).ok, false);
    s.t.now += 10 * MIN; // 20 minutes after the last failure, 10 after the last refusal
    assert.deepEqual(await s.login('kim@example.test', 'right'), { ok: false, reason: 'throttled' });
    s.t.now += 15 * MIN;
    assert.equal((await s.login('kim@example.test', 'right')).ok, true);
  });

  it('counts attempts in flight against the hard limit', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((r) => (release = r));
    const auth = new PasswordAuthenticator({
      directory,
      log: silentLogger(),
      verify: async () => {
        await gate;
        return false;
      },
      hash: async () => 'DUMMY',
    });
    const attempts = Array.from({ length: 40 }, (_, i) =>
      auth.login({ username: `u${i}@example.test`, password: 'p', ip: '192.0.2.5', service: 'imap', mechanism: 'LOGIN', tls: false, sid: 'S' }),
    );
    release();
    const results = await Promise.all(attempts);
    assert.equal(results.filter((r) => !r.ok && r.reason === 'throttled').length, 10);
    assert.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, 30);
  });

  it('counts an IPv6 /64 as one client, and IPv4-mapped addresses as IPv4', async () => {
    const s = setup();
    for (let i = 1; i <= 5; i++) await s.login(`u${i}@example.test`, 'wrong', `2001:db8:1:2::${i}`);
    await s.login('a@example.test', 'wrong', '2001:db8:1:2:ffff:ffff:ffff:ffff');
    assert.deepEqual(s.sleeps, [250, 500, 1000]);
    await s.login('b@example.test', 'wrong', '2001:db8:1:3::1');
    assert.deepEqual(s.sleeps, [250, 500, 1000], 'the next /64 is another client');

    const v4 = setup();
    for (let i = 0; i < 4; i++) await v4.login(`u${i}@example.test`, 'wrong', i % 2 === 0 ? '192.0.2.9' : '::ffff:192.0.2.9');
    assert.deepEqual(v4.sleeps, [250]);
  });

  it('options override the defaults', async () => {
    const s = setup({ freeFailures: 0, baseDelayMs: 100, maxDelayMs: 300, ipHardLimit: 5 });
    for (let i = 0; i < 6; i++) await s.login(`u${i}@example.test`, 'wrong');
    assert.deepEqual(s.sleeps, [100, 200, 300, 300]);
    assert.equal(s.verifies(), 5);
  });

  it('keeps its maps bounded', () => {
    const t = { now: 0 };
    const th = new LoginThrottle({ maxEntries: 3 }, () => t.now);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      for (let i = 0; i < 5; i++) {
        const g = th.start(ip, `user@${ip}`);
        assert.equal(g.throttled, false);
        th.finish(ip, `user@${ip}`, 'invalid');
      }
    }
    assert.deepEqual(th.start('10.0.0.1', 'x'), { throttled: false, delayMs: 1000 });
    th.finish('10.0.0.1', 'x', 'ok');
    th.start('10.0.0.4', 'y');
    th.finish('10.0.0.4', 'y', 'invalid');
    // 10.0.0.2 was the least recently used and has been dropped.
    assert.deepEqual(th.start('10.0.0.2', 'z'), { throttled: false, delayMs: 0 });
  });
});

describe('ipBucket', () => {
  it('keys IPv4 as is, IPv4-mapped as IPv4, IPv6 by prefix, anything else apart', () => {
    assert.equal(ipBucket('192.0.2.1', 64), '192.0.2.1');
    assert.equal(ipBucket('::ffff:192.0.2.1', 64), '192.0.2.1');
    assert.equal(ipBucket('::ffff:c000:201', 64), '192.0.2.1');
    assert.equal(ipBucket('2001:db8:1:2:3:4:5:6', 64), '2001:db8:1:2:0:0:0:0/64');
    assert.equal(ipBucket('2001:DB8:1:2::', 64), '2001:db8:1:2:0:0:0:0/64');
    assert.equal(ipBucket('2001:db8:1:2:3:4:5:6', 48), '2001:db8:1:0:0:0:0:0/48');
    assert.equal(ipBucket('2001:db8:1:2:3:4:5:6', 60), '2001:db8:1:0:0:0:0:0/60');
    assert.equal(ipBucket('2001:db8:1:1f:3:4:5:6', 60), '2001:db8:1:10:0:0:0:0/60');
    assert.equal(ipBucket('2001:db8:1:2:3:4:5:6', 128), '2001:db8:1:2:3:4:5:6/128');
    assert.equal(ipBucket('::1', 64), '0:0:0:0:0:0:0:0/64');
    assert.equal(ipBucket('::', 64), '0:0:0:0:0:0:0:0/64');
    assert.equal(ipBucket('fe80::1%eth0', 64), 'fe80:0:0:0:0:0:0:0/64');
    assert.equal(ipBucket('64:ff9b::192.0.2.1', 128), '64:ff9b:0:0:0:0:c000:201/128');
    assert.equal(ipBucket('not an ip', 64), 'other:not an ip');
    assert.equal(ipBucket('', 64), 'other:');
  });
});
