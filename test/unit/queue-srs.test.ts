// SRS0 addresses: round trip, hash and timestamp checks, case folding by relays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Srs } from '../../src/queue/srs.ts';

const DAY = 86_400_000;
const secret = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

test('forward and reverse round-trip; the null sender stays null', () => {
  const srs = new Srs(secret, () => 20_000 * DAY);
  const a = srs.forward('User.Name@Example.org', 'fwd.test');
  assert.match(a, /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=Example\.org=User\.Name@fwd\.test$/);
  assert.equal(srs.reverse(a), 'User.Name@Example.org');
  assert.equal(srs.reverse(a.toLowerCase()), 'user.name@example.org', 'a relay lower-casing the address');
  assert.equal(srs.forward('', 'fwd.test'), '');
});

test('forged hashes, other secrets, old timestamps and non-SRS addresses are refused', () => {
  const now = 20_000 * DAY;
  const srs = new Srs(secret, () => now);
  const a = srs.forward('x@example.org', 'fwd.test');
  assert.equal(srs.reverse(a.replace(/^SRS0=..../, 'SRS0=abcd')), null);
  assert.equal(new Srs(Buffer.from('ff'.repeat(16), 'hex'), () => now).reverse(a), null);
  assert.equal(new Srs(secret, () => now + 21 * DAY).reverse(a), 'x@example.org');
  assert.equal(new Srs(secret, () => now + 22 * DAY).reverse(a), null);
  assert.equal(srs.reverse('x@fwd.test'), null);
  assert.equal(srs.reverse('SRS0=zz@fwd.test'), null);
});

test('the day stamp wraps around 1024 days', () => {
  const day = 1023;
  const a = new Srs(secret, () => day * DAY).forward('x@example.org', 'f.test');
  assert.equal(new Srs(secret, () => (day + 2) * DAY).reverse(a), 'x@example.org');
});
