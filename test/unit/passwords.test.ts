// Password hashes: each imported scheme is checked against hashes made by independent tools
// (glibc via mkpasswd and Python's crypt, Dovecot's `doveadm pw`, the reference argon2 CLI),
// so a bug shared by our code and a library cannot hide.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword, isSupportedHash, needsRehash, MAX_PASSWORD_BYTES } from '../../src/directory/passwords.ts';

const P32 = 'Abcdefgh'.repeat(4); // a length that is a multiple of the SHA-256 digest size
const P64 = P32 + P32; // … and of the SHA-512 digest size

/** [tool that made it, password, stored hash] */
const KNOWN: [string, string, string][] = [
  // mkpasswd (whois 5.5.17, glibc 2.36)
  ['mkpasswd sha-512', 'correct horse battery staple', '$6$4u1/sebmHGjPX4p1$5wAHdHvYgTOycVKd5lUcbUYZS8X7gwu2alxRueKlzl.K2STVGBSH7UGD6QGr58YLcsau0JClTq5p6SM0emfiF0'],
  ['mkpasswd sha-512 -R 10000', 'hunter2', '$6$rounds=10000$h27ZunWX4c80ehkR$4gFOw6yNgG9XZzcKqI8338WM7AJCFICHV9cW3jFiczJtRYzoXa/hiJZ56EIr46IGJkTE38ukIiNSfiuN/u7Pu0'],
  ['mkpasswd sha-512, 64-byte password', P64, '$6$iiRt1MJ8UnBNTeME$Ak3P7ker2c2PJBAdOBxdJKdW0nyqtajdU7PGHu.uKbM9.D.QjlRuh7/HHoaFXeu6bPohdwFXlLLinqMDMFC7T/'],
  ['mkpasswd sha-256', 'correct horse battery staple', '$5$Y2yOnZ1cNUwLA9Ob$r.Fi1kncXhRanvk6hJMkUCvL4UFbL9l/i87sQ2tTFL1'],
  ['mkpasswd sha-256 -R 12000', 'hunter2', '$5$rounds=12000$i9iJrBHfbpo0PyQh$vEGOfSsRwr8NZqVFZcD6MNRMyKJzJXsfJ8Z/H445mW1'],
  ['mkpasswd sha-256, 32-byte password', P32, '$5$qRqOlZmhtF3gON.T$cJzNA8UIixvxg7SIDiD0.5HVipuZsojv0yXMboXLWE6'],
  ['mkpasswd bcrypt', 'correct horse battery staple', '$2b$05$PJgExxldnPcUOmkYflfSMu4vmmFX62ajH3rYC8A7GhYSNPVQQZ6IG'],
  ['mkpasswd bcrypt -R 6, UTF-8', 'pässwörd', '$2b$06$U9u7R6kMPcB2pXg64R6ovu4u/1fe61GGMl1.Qt4qCcQOjMLZXWl26'],
  // doveadm pw (Dovecot 2.3.19)
  ['doveadm SHA512-CRYPT, UTF-8', 'pässwörd', '{SHA512-CRYPT}$6$6QpKbW0k5MckFM0A$lSU.l4Kd/bPX6HkLPD591bB7eK5DVoigytPJUO0GHf0PO5F4Qku6gQI5XrPBPJOO0Ou1THmRaVaZOFf3dJyM9.'],
  ['doveadm SHA256-CRYPT, UTF-8', 'pässwörd', '{SHA256-CRYPT}$5$4SAOCy50ywBA6kC1$THFKTbNe2xpq2FlM.oU1fYg6RNnVsQ2HMZfk0A3CRf9'],
  ['doveadm BLF-CRYPT', 'hunter2', '{BLF-CRYPT}$2y$05$HhDMzp.gkK3doOO6BYLiQ.PSRW4kNJ1L30NNlAZqiSp8nP/EzJtAW'],
  ['doveadm ARGON2ID', 'hunter2', '{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ'],
  ['doveadm ARGON2I', 'hunter2', '{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$jzsOlgEYJpHplbuBJjXS8A$kypodzVrP5yI+vrHag4M47AMTuO5oiV6D7O98k38I5Q'],
  // Python 3.11 crypt (glibc)
  ['python crypt SHA512', 's3cret!', '$6$0rvW4u12J6Z0H/9R$YxrqcTTA1h0Z/S.bleIY1xId5aWw90cOHwKhC2sw83iHmrudX6LcWVehfdaR5dv9otQDcUL.uErxKQWUINLjt/'],
  ['python crypt SHA256 rounds=20000', 's3cret!', '$5$rounds=20000$ZabjTZb.aZ31TAE4$slo7ZF/jcd5JTmlC6CTLNE2MbIGnaCE4tqgfBHk4MM5'],
  ['python crypt BLOWFISH', 's3cret!', '$2b$04$uYgR8cdnLttkajm2OQMQ0ehH3CpXpQv963Fgfyrf8N5L2ebO/352G'],
  // argon2 CLI (reference implementation, 20171227)
  ['argon2 -id m=4096', 'correct horse battery staple', '$argon2id$v=19$m=4096,t=2,p=1$OTlpNXlkczVSZnlDQW1TdQ$lgh94Pai+fJyOO1XXLVRMFWRXq0CHyCBkp5O4SwU5N0'],
  ['argon2 -id p=2, UTF-8', 'pässwörd', '$argon2id$v=19$m=16384,t=3,p=2$NVE0VTIrRXl3ZlVzVnlPbCt3YnFudz09$jUQDpqqLlYqin3+86UJo9snlrPKGf7dQfa15F4tex3g'],
  ['argon2 -i', 'hunter2', '$argon2i$v=19$m=4096,t=3,p=1$QzNqK3RidnNhamFiVUVFUVVGODZZdz09$F0ipJ+eJTKyfk/zyECIK+wjKwO5WrK5ilY5xzvsmpm8'],
  ['argon2 -id 64-byte hash', 'hunter2', '$argon2id$v=19$m=1024,t=2,p=1$aHJvMGZIQXhSRmVVSEozVkMzbEhSQT09$UMOmsTk3iSPaVVQPpA/pY/yTFKzVhI1j6AG1yzjbAr5yA4wF0noO/vqfwc4h/xnK9h2CsNscQllNqGsw5+mCmw'],
];

for (const [tool, password, stored] of KNOWN) {
  test(`known hash: ${tool}`, async () => {
    assert.equal(isSupportedHash(stored), true);
    assert.equal(await verifyPassword(password, stored), true, 'right password');
    assert.equal(await verifyPassword(password + 'x', stored), false, 'longer password');
    assert.equal(await verifyPassword(password.slice(0, -1), stored), false, 'shorter password');
    assert.equal(await verifyPassword(password.toUpperCase(), stored), false, 'case matters');
    assert.equal(await verifyPassword('', stored), false, 'empty password');
    assert.equal(needsRehash(stored), true, 'imported hashes are upgraded');
  });
}

test('scheme prefixes are case-insensitive, and a bare string equals its prefixed form', async () => {
  const bare = '$2y$05$HhDMzp.gkK3doOO6BYLiQ.PSRW4kNJ1L30NNlAZqiSp8nP/EzJtAW';
  assert.equal(await verifyPassword('hunter2', bare), true);
  assert.equal(await verifyPassword('hunter2', '{blf-crypt}' + bare), true);
  assert.equal(await verifyPassword('hunter2', '{CRYPT}' + bare), true);
  const sha = '$6$6QpKbW0k5MckFM0A$lSU.l4Kd/bPX6HkLPD591bB7eK5DVoigytPJUO0GHf0PO5F4Qku6gQI5XrPBPJOO0Ou1THmRaVaZOFf3dJyM9.';
  assert.equal(await verifyPassword('pässwörd', sha), true);
  assert.equal(await verifyPassword('pässwörd', '{Sha512-Crypt}' + sha), true);
  const a2 = '$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ';
  assert.equal(await verifyPassword('hunter2', a2), true);
  assert.equal(await verifyPassword('hunter2', '{argon2id}' + a2), true);
});

test('a prefix naming another scheme is refused', async () => {
  const sha = '$6$6QpKbW0k5MckFM0A$lSU.l4Kd/bPX6HkLPD591bB7eK5DVoigytPJUO0GHf0PO5F4Qku6gQI5XrPBPJOO0Ou1THmRaVaZOFf3dJyM9.';
  assert.equal(isSupportedHash('{SHA256-CRYPT}' + sha), false);
  assert.equal(isSupportedHash('{BLF-CRYPT}' + sha), false);
  assert.equal(isSupportedHash('{ARGON2I}$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ'), false);
  assert.equal(await verifyPassword('pässwörd', '{SHA256-CRYPT}' + sha), false);
  assert.equal(await verifyPassword('pässwörd', '{PLAIN}' + sha), false);
});

test('malformed and unsupported stored strings return false and never throw', async () => {
  const bad = [
    '',
    'hunter2',
    '{PLAIN}hunter2',
    '{CLEARTEXT}hunter2',
    '{SHA512-CRYPT}',
    '{MD5-CRYPT}$1$abcdefgh$0123456789012345678901',
    '$1$abcdefgh$0123456789012345678901',
    '$6$',
    '$6$salt$',
    '$6$salt$tooshort',
    '$6$salt$' + 'a'.repeat(87),
    '$6$sa$lt$' + 'a'.repeat(86),
    '$6$rounds=$salt$' + 'a'.repeat(86),
    '$6$rounds=999999999$salt$' + 'a'.repeat(86), // would take minutes: refused
    '$6$waytoolongsaltstring$' + 'a'.repeat(86),
    '$5$salt$' + 'a'.repeat(86),
    '$5$salt$' + '!'.repeat(43),
    '$2y$05$short',
    '$2y$05$HhDMzp.gkK3doOO6BYLiQ.PSRW4kNJ1L30NNlAZqiSp8nP/EzJtA',
    '$2y$31$HhDMzp.gkK3doOO6BYLiQ.PSRW4kNJ1L30NNlAZqiSp8nP/EzJtAW', // cost 2^31: refused
    '$2y$03$HhDMzp.gkK3doOO6BYLiQ.PSRW4kNJ1L30NNlAZqiSp8nP/EzJtAW',
    '$2x$05$HhDMzp.gkK3doOO6BYLiQ.PSRW4kNJ1L30NNlAZqiSp8nP/EzJtAW',
    '$argon2id$',
    '$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q',
    '$argon2id$v=16$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2d$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$v=19$m=4194304,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ', // 4 GiB
    '$argon2id$v=19$m=65536,t=1000,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$v=19$m=65536,t=0,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$v=19$m=65536,t=3,p=0$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$v=19$m=4,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ', // 4-byte salt
    '$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxf', // 3-byte hash
    '$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q==$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ', // padded
    '$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5R$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ', // non-canonical
    '$argon2id$v=19$m=65536,t=3,p=1$Wx9g*8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$v=19$m=65536,t=3,p=1,keyid=abc$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    ' $argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ',
    '$argon2id$v=19$m=65536,t=3,p=1$Wx9gi8+9qCwMvXLSN3xN5Q$nqxfgYTfzdwbiP6w8Qui/Xl8J2kzWNUAalMN9yOiRgQ\n',
    '{ARGON2ID}',
    '{}$6$salt$' + 'a'.repeat(86),
    'x'.repeat(100_000),
  ];
  for (const stored of bad) {
    assert.equal(isSupportedHash(stored), false, `isSupportedHash(${JSON.stringify(stored.slice(0, 80))})`);
    assert.equal(await verifyPassword('hunter2', stored), false, `verifyPassword(${JSON.stringify(stored.slice(0, 80))})`);
    assert.equal(needsRehash(stored), true);
  }
  // Values that are not strings at all (a NULL column read without a check).
  assert.equal(await verifyPassword('hunter2', undefined as unknown as string), false);
  assert.equal(await verifyPassword('hunter2', null as unknown as string), false);
  assert.equal(isSupportedHash(null as unknown as string), false);
});

test('our hash is argon2id PHC with the OWASP parameters and round-trips', async () => {
  const h = await hashPassword('correct horse battery staple');
  assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.equal(isSupportedHash(h), true);
  assert.equal(needsRehash(h), false);
  assert.equal(await verifyPassword('correct horse battery staple', h), true);
  assert.equal(await verifyPassword('correct horse battery stapl', h), false);
  assert.equal(needsRehash('{ARGON2ID}' + h), true, 'the prefixed form is rewritten bare');
  // A fresh salt every time.
  assert.notEqual(await hashPassword('correct horse battery staple'), h);
});

test('our hash round-trips awkward passwords: empty, UTF-8, NUL, 64 bytes', async () => {
  for (const pw of ['', 'pässwörd 密码', 'a\u0000b', P64]) {
    const h = await hashPassword(pw);
    assert.equal(await verifyPassword(pw, h), true, JSON.stringify(pw));
    assert.equal(await verifyPassword(pw + ' ', h), false);
  }
});

test('a hash the reference argon2 CLI makes with our parameters is current', async () => {
  // echo -n 'correct horse battery staple' | argon2 'Mailhaven-salt16' -id -t 2 -k 19456 -p 1 -l 32 -e
  const cli = '$argon2id$v=19$m=19456,t=2,p=1$TWFpbGhhdmVuLXNhbHQxNg$LstHPdtpxYWrH6Df39ifTawQKGGniCWKhDzZnm02DQk';
  assert.equal(await verifyPassword('correct horse battery staple', cli), true);
  assert.equal(await verifyPassword('correct horse battery staplf', cli), false);
  assert.equal(needsRehash(cli), false);
});

test('needsRehash: other argon2 parameters are upgraded', () => {
  assert.equal(needsRehash('$argon2id$v=19$m=4096,t=2,p=1$OTlpNXlkczVSZnlDQW1TdQ$lgh94Pai+fJyOO1XXLVRMFWRXq0CHyCBkp5O4SwU5N0'), true);
  assert.equal(needsRehash('$argon2i$v=19$m=19456,t=2,p=1$OTlpNXlkczVSZnlDQW1TdQ$lgh94Pai+fJyOO1XXLVRMFWRXq0CHyCBkp5O4SwU5N0'), true);
  assert.equal(needsRehash('$argon2id$v=19$m=19456,t=3,p=1$OTlpNXlkczVSZnlDQW1TdQ$lgh94Pai+fJyOO1XXLVRMFWRXq0CHyCBkp5O4SwU5N0'), true);
  // Our parameters but a 12-byte salt (OTlp… is 16 bytes of base64 text, so build one):
  assert.equal(needsRehash('$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAA$lgh94Pai+fJyOO1XXLVRMFWRXq0CHyCBkp5O4SwU5N0'), true);
  assert.equal(needsRehash('$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$lgh94Pai+fJyOO1XXLVRMFWRXq0CHyCBkp5O4SwU5N0'), false);
});

test('over-long passwords: hashPassword throws, verifyPassword returns false', async () => {
  const long = 'x'.repeat(MAX_PASSWORD_BYTES + 1);
  await assert.rejects(hashPassword(long), RangeError);
  const ok = 'x'.repeat(MAX_PASSWORD_BYTES);
  const h = await hashPassword(ok);
  assert.equal(await verifyPassword(ok, h), true);
  assert.equal(await verifyPassword(long, h), false);
});

test('hashing does not block the event loop', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = performance.now();
  await Promise.all([hashPassword('a'), hashPassword('b')]);
  const elapsed = performance.now() - started;
  clearInterval(timer);
  assert.ok(elapsed < 2000, `two hashes took ${elapsed} ms`);
  assert.ok(ticks >= 3, `the timer ran ${ticks} times while hashing`);
});
