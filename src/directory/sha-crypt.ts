// SHA-crypt: the `$5$` (SHA-256) and `$6$` (SHA-512) password hashes of glibc crypt(3), as
// Dovecot writes them for SHA256-CRYPT and SHA512-CRYPT. We only verify these (imported users
// are re-hashed with argon2id at their next login), so this module computes and compares.
//
// Written from Ulrich Drepper's specification, "Unix crypt using SHA-256 and SHA-512"
// (https://www.akkadia.org/drepper/SHA-crypt.txt). We do not use unixcrypt@3.0.4 for this: it
// computes a wrong hash when the password length is a multiple of the digest size (32 or 64
// bytes, e.g. a 32-character generated password), so such users could never log in.
//
// The rounds are plain synchronous hashing (about 2 µs each with node:crypto), so the loop
// yields to the event loop every YIELD_EVERY rounds: a 656,000-round hash (passlib's default)
// costs about a second of CPU but never holds the event loop for more than a few ms.

import { createHash, hash as oneShotHash, timingSafeEqual } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Rounds used when the hash has no `rounds=` field (spec, "rounds_default"). */
const DEFAULT_ROUNDS = 5000;
/** The spec clamps `rounds=` into this range rather than rejecting. */
const MIN_ROUNDS = 1000;
/**
 * The spec allows 999,999,999 rounds; we refuse more than this, so one crafted hash in an
 * import cannot stall the server for minutes. Hashes above it are reported as unsupported.
 */
export const MAX_ROUNDS = 1_000_000;
/** How many rounds run between two yields to the event loop (a few ms of work). */
const YIELD_EVERY = 2048;
/** Only the first 16 characters of the salt are used (spec, "salt_len_max"). */
const MAX_SALT = 16;

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

type Variant = { id: '5' | '6'; algorithm: 'sha256' | 'sha512'; size: number; encodedLength: number };
const VARIANTS: Record<'5' | '6', Variant> = {
  '5': { id: '5', algorithm: 'sha256', size: 32, encodedLength: 43 },
  '6': { id: '6', algorithm: 'sha512', size: 64, encodedLength: 86 },
};

export type ShaCryptHash = { variant: Variant; rounds: number; salt: string; hash: string };

/**
 * Splits `$5$[rounds=N$]salt$hash` / `$6$...` into its parts, or null when it is not one.
 * Only strings glibc could have produced are accepted: salt of at most 16 characters without
 * `$`, the hash in the crypt alphabet and of the exact length.
 */
export function parseShaCrypt(stored: string): ShaCryptHash | null {
  const m = /^\$([56])\$(?:rounds=([0-9]{1,10})\$)?([./0-9A-Za-z]{0,16})\$([./0-9A-Za-z]+)$/.exec(stored);
  if (m === null) return null;
  const variant = VARIANTS[m[1] as '5' | '6'];
  if (m[4].length !== variant.encodedLength) return null;
  let rounds = m[2] === undefined ? DEFAULT_ROUNDS : Number(m[2]);
  if (rounds > MAX_ROUNDS) return null;
  if (rounds < MIN_ROUNDS) rounds = MIN_ROUNDS;
  return { variant, rounds, salt: m[3], hash: m[4] };
}

/** True when `plain` matches a parsed SHA-crypt hash; compares in constant time. */
export async function verifyShaCrypt(plain: string, parsed: ShaCryptHash): Promise<boolean> {
  const computed = Buffer.from(await shaCryptEncoded(plain, parsed.variant, parsed.salt, parsed.rounds), 'latin1');
  const stored = Buffer.from(parsed.hash, 'latin1');
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

/** `bytes` repeated (and cut) to exactly `length` bytes: steps 16 and 20 of the spec. */
function repeatTo(bytes: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let off = 0; off < length; off += bytes.length) bytes.copy(out, off, 0, Math.min(bytes.length, length - off));
  return out;
}

/** The 43- or 86-character hash field for a password, salt and round count. */
export async function shaCryptEncoded(plain: string, variant: Variant, salt: string, rounds: number): Promise<string> {
  const alg = variant.algorithm;
  const key = Buffer.from(plain, 'utf8');
  const s = Buffer.from(salt.slice(0, MAX_SALT), 'latin1');
  const digest = (...parts: Buffer[]): Buffer => {
    const h = createHash(alg);
    for (const p of parts) h.update(p);
    return h.digest();
  };

  // Steps 4-8: digest B = H(key salt key).
  const b = digest(key, s, key);
  // Steps 1-3 and 9-12: digest A.
  const a = createHash(alg);
  a.update(key);
  a.update(s);
  a.update(repeatTo(b, key.length)); // steps 9-10: B once per whole or partial block of the key
  for (let n = key.length; n > 0; n >>= 1) a.update((n & 1) !== 0 ? b : key); // step 11
  let c = a.digest();

  // Steps 13-16: the P sequence, from H(key repeated key.length times).
  const dp = createHash(alg);
  for (let i = 0; i < key.length; i++) dp.update(key);
  const p = repeatTo(dp.digest(), key.length);
  // Steps 17-20: the S sequence, from H(salt repeated 16 + A[0] times).
  const ds = createHash(alg);
  for (let i = 0; i < 16 + c[0]; i++) ds.update(s);
  const sseq = repeatTo(ds.digest(), s.length);

  // Step 21: the rounds. Each round's input is assembled in one scratch buffer and hashed in
  // one call, which is about twice as fast as a Hash object per round.
  const scratch = Buffer.alloc(2 * c.length + 2 * p.length + sseq.length);
  for (let i = 0; i < rounds; i++) {
    let n = (i % 2 !== 0 ? p : c).copy(scratch, 0);
    if (i % 3 !== 0) n += sseq.copy(scratch, n);
    if (i % 7 !== 0) n += p.copy(scratch, n);
    n += (i % 2 !== 0 ? c : p).copy(scratch, n);
    c = oneShotHash(alg, scratch.subarray(0, n), 'buffer');
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
  }
  return encode(c, variant);
}

/**
 * Step 22: the crypt base64 of the final digest, whose bytes are taken in a fixed shuffled
 * order: groups of three bytes (i, i+k, i+2k) with k = size/3, rotated differently per variant.
 */
function encode(c: Buffer, variant: Variant): string {
  let out = '';
  const put = (b2: number, b1: number, b0: number, chars: number): void => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    for (let i = 0; i < chars; i++) {
      out += ALPHABET[w & 0x3f];
      w >>>= 6;
    }
  };
  if (variant.id === '5') {
    for (let i = 0; i < 10; i++) {
      const [x, y, z] = [c[i], c[i + 10], c[i + 20]];
      if (i % 3 === 0) put(x, y, z, 4);
      else if (i % 3 === 1) put(z, x, y, 4);
      else put(y, z, x, 4);
    }
    put(0, c[31], c[30], 3);
  } else {
    for (let i = 0; i < 21; i++) {
      const [x, y, z] = [c[i], c[i + 21], c[i + 42]];
      if (i % 3 === 0) put(x, y, z, 4);
      else if (i % 3 === 1) put(y, z, x, 4);
      else put(z, x, y, 4);
    }
    put(0, 0, c[63], 2);
  }
  return out;
}
