// Password hashing for the directory.
//
// New passwords are hashed with argon2id (RFC 9106) through node:crypto, stored as a PHC string
// (https://github.com/P-H-C/phc-string-format): "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>",
// salt and hash in standard base64 without padding. The cost follows the OWASP Password Storage
// Cheat Sheet (m=19 MiB, t=2, p=1): about 50 ms per hash here.
//
// Imported users keep the hash their old server stored until they next log in, when the caller
// sees needsRehash() and stores hashPassword() of the password that just verified. Accepted,
// with or without Dovecot's "{SCHEME}" prefix (scheme names case-insensitive):
//   {ARGON2ID} / {ARGON2I}   $argon2id$… / $argon2i$… (v=19, any m, t, p within the limits below)
//   {SHA512-CRYPT}           $6$[rounds=N$]salt$hash   (glibc crypt, see sha-crypt.ts)
//   {SHA256-CRYPT}           $5$[rounds=N$]salt$hash
//   {BLF-CRYPT}              $2y$ / $2b$ / $2a$ bcrypt (bcryptjs)
//   {CRYPT}                  any of the crypt strings above
// A prefix that names a different scheme than the string has ("{BLF-CRYPT}$6$…") is rejected.
//
// Nothing here throws on a malformed stored string: verifyPassword returns false. Every
// parameter read from a stored string is bounded, so a crafted import cannot make one login
// cost minutes or gigabytes.
//
// Event loop: argon2 runs in libuv's thread pool (the callback form of crypto.argon2). bcrypt
// and SHA-crypt are plain JavaScript / per-round hashing on the main thread; both are async and
// yield between chunks of rounds (bcryptjs every 100 ms, sha-crypt.ts every few ms), so a
// slow imported hash costs CPU but does not stall other sessions.

import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { parseShaCrypt, verifyShaCrypt } from './sha-crypt.ts';
import type { ShaCryptHash } from './sha-crypt.ts';

/** Our argon2id parameters (OWASP: m=19456 KiB, t=2, p=1), a 16-byte salt, a 32-byte hash. */
const CURRENT = { memory: 19456, passes: 2, parallelism: 1, saltBytes: 16, tagBytes: 32 } as const;

/**
 * Longer passwords are refused: hashPassword throws, verifyPassword returns false. SHA-crypt
 * hashes the password length² bytes, so an unbounded password would be a denial of service.
 */
export const MAX_PASSWORD_BYTES = 1024;

/** Bounds on parameters read from stored argon2 strings. */
const ARGON2_LIMITS = { maxMemoryKiB: 262_144, maxPasses: 16, maxParallelism: 16, minSalt: 8, maxSalt: 64, minTag: 16, maxTag: 64 };
/** bcrypt cost above this (2^14 rounds, about 2 s of CPU in bcryptjs) is refused. */
const MAX_BCRYPT_COST = 14;

type Argon2Type = 'argon2id' | 'argon2i';
type Argon2Hash = { type: Argon2Type; memory: number; passes: number; parallelism: number; salt: Buffer; hash: Buffer };

type Parsed =
  | { scheme: 'argon2'; prefixed: boolean; argon2: Argon2Hash }
  | { scheme: 'sha-crypt'; parsed: ShaCryptHash }
  | { scheme: 'bcrypt'; hash: string };

/** Hashes a new password with our current argon2id parameters. */
export async function hashPassword(plain: string): Promise<string> {
  if (Buffer.byteLength(plain, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new RangeError(`password longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  const a: Argon2Hash = {
    type: 'argon2id',
    memory: CURRENT.memory,
    passes: CURRENT.passes,
    parallelism: CURRENT.parallelism,
    salt: randomBytes(CURRENT.saltBytes),
    hash: Buffer.alloc(0),
  };
  a.hash = await runArgon2(plain, a, CURRENT.tagBytes);
  return formatArgon2(a);
}

/** True when `plain` is the password of `stored` (any accepted scheme); false otherwise. */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  if (typeof plain !== 'string' || Buffer.byteLength(plain, 'utf8') > MAX_PASSWORD_BYTES) return false;
  const parsed = parseStored(stored);
  if (parsed === null) return false;
  try {
    switch (parsed.scheme) {
      case 'argon2': {
        const computed = await runArgon2(plain, parsed.argon2, parsed.argon2.hash.length);
        return timingSafeEqual(computed, parsed.argon2.hash);
      }
      case 'sha-crypt':
        return await verifyShaCrypt(plain, parsed.parsed);
      case 'bcrypt': {
        // bcryptjs recomputes the full "$2b$NN$salt+hash" string from the stored salt; we
        // compare that ourselves. $2y$ and $2b$ are the same algorithm as fixed $2a$. As in
        // every bcrypt, only the first 72 bytes of the password count.
        const computed = Buffer.from(await bcrypt.hash(plain, parsed.hash.slice(0, 29)), 'latin1');
        const expected = Buffer.from(parsed.hash, 'latin1');
        return computed.length === expected.length && timingSafeEqual(computed, expected);
      }
    }
  } catch {
    // A parameter the library refuses that our parser let through: not a match.
    return false;
  }
}

/** True when verifyPassword can check passwords against `stored` (`user add --password-hash`). */
export function isSupportedHash(stored: string): boolean {
  return parseStored(stored) !== null;
}

/**
 * True unless `stored` is exactly what hashPassword writes today (bare PHC argon2id with our
 * parameters). After a successful login the caller re-hashes and stores the new string.
 */
export function needsRehash(stored: string): boolean {
  const p = parseStored(stored);
  if (p === null || p.scheme !== 'argon2' || p.prefixed) return true;
  const a = p.argon2;
  return !(
    a.type === 'argon2id' &&
    a.memory === CURRENT.memory &&
    a.passes === CURRENT.passes &&
    a.parallelism === CURRENT.parallelism &&
    a.salt.length === CURRENT.saltBytes &&
    a.hash.length === CURRENT.tagBytes
  );
}

// ---- parsing -------------------------------------------------------------------------------

/** Splits an optional "{SCHEME}" prefix, upper-cased; null when there is none. */
function splitPrefix(stored: string): { prefix: string | null; rest: string } {
  const m = /^\{([A-Za-z0-9-]{1,32})\}/.exec(stored);
  if (m === null) return { prefix: null, rest: stored };
  return { prefix: m[1].toUpperCase(), rest: stored.slice(m[0].length) };
}

/** The schemes each Dovecot prefix may contain, by the crypt id of the string. */
const PREFIX_ALLOWS: Record<string, ReadonlySet<string>> = {
  ARGON2ID: new Set(['argon2id']),
  ARGON2I: new Set(['argon2i']),
  'SHA512-CRYPT': new Set(['6']),
  'SHA256-CRYPT': new Set(['5']),
  'BLF-CRYPT': new Set(['2a', '2b', '2y']),
  CRYPT: new Set(['argon2id', 'argon2i', '6', '5', '2a', '2b', '2y']),
};

function parseStored(stored: string): Parsed | null {
  if (typeof stored !== 'string' || stored.length > 512) return null;
  const { prefix, rest } = splitPrefix(stored);
  const id = /^\$([a-z0-9]+)\$/.exec(rest)?.[1];
  if (id === undefined) return null;
  if (prefix !== null && PREFIX_ALLOWS[prefix]?.has(id) !== true) return null;
  switch (id) {
    case 'argon2id':
    case 'argon2i': {
      const a = parseArgon2(rest);
      return a === null ? null : { scheme: 'argon2', prefixed: prefix !== null, argon2: a };
    }
    case '5':
    case '6': {
      const s = parseShaCrypt(rest);
      return s === null ? null : { scheme: 'sha-crypt', parsed: s };
    }
    case '2a':
    case '2b':
    case '2y': {
      // $2?$NN$ + 22 salt characters + 31 hash characters, bcrypt's own base64 alphabet.
      const m = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/.exec(rest);
      if (m === null) return null;
      const cost = Number(m[1]);
      return cost >= 4 && cost <= MAX_BCRYPT_COST ? { scheme: 'bcrypt', hash: rest } : null;
    }
    default:
      return null;
  }
}

/** Parses "$argon2id$v=19$m=…,t=…,p=…$salt$hash" (PHC). Only version 19 (0x13) is supported. */
function parseArgon2(s: string): Argon2Hash | null {
  const m = /^\$(argon2id|argon2i)\$v=19\$m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(s);
  if (m === null) return null;
  const [memory, passes, parallelism] = [Number(m[2]), Number(m[3]), Number(m[4])];
  const salt = decodeB64(m[5]);
  const hash = decodeB64(m[6]);
  const L = ARGON2_LIMITS;
  if (salt === null || hash === null) return null;
  if (parallelism < 1 || parallelism > L.maxParallelism) return null;
  if (passes < 1 || passes > L.maxPasses) return null;
  if (memory < 8 * parallelism || memory > L.maxMemoryKiB) return null; // RFC 9106 §3.1: m ≥ 8p
  if (salt.length < L.minSalt || salt.length > L.maxSalt) return null;
  if (hash.length < L.minTag || hash.length > L.maxTag) return null;
  return { type: m[1] as Argon2Type, memory, passes, parallelism, salt, hash };
}

/** Standard base64 without padding (PHC); null for a length no encoder produces. */
function decodeB64(s: string): Buffer | null {
  if (s.length % 4 === 1) return null;
  const b = Buffer.from(s, 'base64');
  // Reject non-canonical encodings (stray low bits in the last character).
  return b.toString('base64').replace(/=+$/, '') === s ? b : null;
}

function formatArgon2(a: Argon2Hash): string {
  const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');
  return `$${a.type}$v=19$m=${a.memory},t=${a.passes},p=${a.parallelism}$${b64(a.salt)}$${b64(a.hash)}`;
}

/** crypto.argon2 (thread pool) as a promise; rejects instead of throwing synchronously. */
function runArgon2(plain: string, a: Argon2Hash, tagLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    try {
      argon2(
        a.type,
        {
          message: Buffer.from(plain, 'utf8'),
          nonce: a.salt,
          memory: a.memory,
          passes: a.passes,
          parallelism: a.parallelism,
          tagLength,
        },
        (err, key) => (err === null ? resolve(key) : reject(err)),
      );
    } catch (e) {
      reject(e);
    }
  });
}
