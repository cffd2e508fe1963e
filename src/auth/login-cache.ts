// Recent successful logins, after Dovecot's auth cache: argon2id costs 50-100 ms of CPU per
// check, and mail clients log in often (one connection per folder, a new one every few
// minutes), so a (user, password) pair that verified a moment ago is accepted again without
// the hash.
//
// The plain password is never kept. An entry holds an HMAC-SHA256, under a random key made for
// this process, of the user, the stored hash it verified against, and the password. The
// stored hash is part of the MAC, so a password change (or a re-hash) makes old entries miss
// without anyone having to invalidate them; the entry also expires after `ttlMs`.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LruMap } from './lru-map.ts';

export type LoginCacheOptions = {
  /** How long a successful login is remembered; 0 turns the cache off. */
  ttlMs: number;
  /** At most this many users are remembered; the least recently used go first. */
  maxEntries: number;
};

export const DEFAULT_LOGIN_CACHE_OPTIONS: Readonly<LoginCacheOptions> = Object.freeze({
  ttlMs: 5 * 60_000,
  maxEntries: 10_000,
});

type Entry = { mac: Buffer; expires: number };

export class LoginCache {
  private readonly o: LoginCacheOptions;
  private readonly clock: () => number;
  private readonly key = randomBytes(32);
  private readonly entries: LruMap<string, Entry>;

  constructor(options: Partial<LoginCacheOptions> | undefined, clock: () => number) {
    this.o = { ...DEFAULT_LOGIN_CACHE_OPTIONS, ...options };
    this.clock = clock;
    this.entries = new LruMap(Math.max(1, this.o.maxEntries));
  }

  /** True when `password` verified against `storedHash` for `user` within the TTL. */
  has(user: string, storedHash: string, password: string): boolean {
    if (this.o.ttlMs <= 0) return false;
    const e = this.entries.get(user);
    if (e === undefined) return false;
    if (this.clock() >= e.expires) {
      this.entries.delete(user);
      return false;
    }
    return timingSafeEqual(e.mac, this.mac(user, storedHash, password));
  }

  /** Remembers that `password` verified against `storedHash` for `user` (one entry per user). */
  put(user: string, storedHash: string, password: string): void {
    if (this.o.ttlMs <= 0) return;
    this.entries.set(user, { mac: this.mac(user, storedHash, password), expires: this.clock() + this.o.ttlMs });
  }

  delete(user: string): void {
    this.entries.delete(user);
  }

  private mac(user: string, storedHash: string, password: string): Buffer {
    const h = createHmac('sha256', this.key);
    // Length-prefixed fields, so no two different triples feed the same bytes.
    for (const field of [user, storedHash, password]) {
      const b = Buffer.from(field, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      h.update(len).update(b);
    }
    return h.digest();
  }
}
