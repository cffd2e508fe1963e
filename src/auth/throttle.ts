// Failure throttling for logins, after Dovecot's auth_penalty and mox's rate limiter.
//
// Failed logins are counted per client IP and per user name, in memory. Before a password is
// checked the attempt waits a delay that grows with the recent failures of its IP or its user
// (the larger of the two); past a hard limit of failures from one IP the attempt is refused at
// once, without checking anything. A counter is forgotten after `windowMs` without a new
// failure. A success clears the user's counter but not the IP's: one valid account must not
// let a password-spraying client start afresh.
//
// Notes:
// - Nothing is exempt, loopback included: a local webmail or proxy that logs in for others
//   shares one IP and should be throttled like anyone else.
// - IPv6 clients are counted per /64 (`ipv6PrefixBits`): one host usually has a whole /64 and
//   could otherwise take a fresh address for every guess. IPv4-mapped IPv6 (::ffff:a.b.c.d)
//   counts as the IPv4 address.
// - Attempts in flight count against the hard limit, so a client opening a hundred
//   connections at once still gets only `ipHardLimit` guesses before any of them has failed.
// - A refused (throttled) attempt restarts the IP's quiet period: a client that keeps hammering
//   stays refused until it has been quiet for `windowMs`.
// - The per-user delay is capped (`maxDelayMs`) and a correct login clears it, so a stranger
//   guessing someone's password can slow that user's logins but never lock them out.
import { isIPv4, isIPv6 } from 'node:net';
import { LruMap } from './lru-map.ts';

export type ThrottleOptions = {
  /** Failures that cost no delay yet (a typo or two). */
  freeFailures: number;
  /** Delay after the first failure beyond `freeFailures`; it doubles with each further one. */
  baseDelayMs: number;
  /** The delay never exceeds this. */
  maxDelayMs: number;
  /** A counter is forgotten after this long without a new failure. */
  windowMs: number;
  /** Failures (plus attempts in flight) from one IP at which attempts are refused outright. */
  ipHardLimit: number;
  /** Bound on each of the two counter maps (per IP, per user); the least recently used go. */
  maxEntries: number;
  /** IPv6 clients are counted per prefix of this length. */
  ipv6PrefixBits: number;
};

export const DEFAULT_THROTTLE_OPTIONS: Readonly<ThrottleOptions> = Object.freeze({
  freeFailures: 2,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  windowMs: 15 * 60_000,
  ipHardLimit: 30,
  maxEntries: 100_000,
  ipv6PrefixBits: 64,
});

type Counter = { failures: number; last: number };

/** The delay before checking a password, given the recent failures of the IP or the user. */
export function delayForFailures(failures: number, o: Pick<ThrottleOptions, 'freeFailures' | 'baseDelayMs' | 'maxDelayMs'>): number {
  if (failures <= o.freeFailures) return 0;
  const exp = Math.min(failures - o.freeFailures - 1, 30); // 2^30 × anything is past any cap
  return Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** exp);
}

export class LoginThrottle {
  private readonly o: ThrottleOptions;
  private readonly clock: () => number;
  private readonly byIp: LruMap<string, Counter>;
  private readonly byUser: LruMap<string, Counter>;
  /** Attempts between start() and finish(), per IP bucket; an entry is removed at zero. */
  private readonly inFlight = new Map<string, number>();

  constructor(options: Partial<ThrottleOptions> | undefined, clock: () => number) {
    this.o = { ...DEFAULT_THROTTLE_OPTIONS, ...options };
    this.clock = clock;
    this.byIp = new LruMap(this.o.maxEntries);
    this.byUser = new LruMap(this.o.maxEntries);
  }

  /** The key under which an IP's failures are counted. */
  ipKey(ip: string): string {
    return ipBucket(ip, this.o.ipv6PrefixBits);
  }

  /**
   * Starts an attempt: 'throttled' when the IP is past the hard limit (nothing to call
   * finish() for), else the delay to wait before checking; call finish() when done.
   */
  start(ipKey: string, userKey: string): { throttled: true } | { throttled: false; delayMs: number } {
    const now = this.clock();
    const ipFailures = this.recent(this.byIp, ipKey, now);
    const pending = this.inFlight.get(ipKey) ?? 0;
    if (ipFailures + pending >= this.o.ipHardLimit) {
      if (ipFailures > 0) this.byIp.set(ipKey, { failures: ipFailures, last: now });
      return { throttled: true };
    }
    this.inFlight.set(ipKey, pending + 1);
    const failures = Math.max(ipFailures, this.recent(this.byUser, userKey, now));
    return { throttled: false, delayMs: delayForFailures(failures, this.o) };
  }

  /** Ends an attempt begun with start() (not throttled), recording its outcome. */
  finish(ipKey: string, userKey: string, outcome: 'ok' | 'invalid' | 'error'): void {
    const n = (this.inFlight.get(ipKey) ?? 1) - 1;
    if (n > 0) this.inFlight.set(ipKey, n);
    else this.inFlight.delete(ipKey);
    if (outcome === 'ok') {
      this.byUser.delete(userKey);
    } else if (outcome === 'invalid') {
      const now = this.clock();
      this.bump(this.byIp, ipKey, now);
      this.bump(this.byUser, userKey, now);
    }
    // 'error' (directory unavailable): not the client's fault, not counted.
  }

  /** Recent failures under `key`; a counter quiet for `windowMs` is dropped. */
  private recent(map: LruMap<string, Counter>, key: string, now: number): number {
    const c = map.get(key);
    if (c === undefined) return 0;
    if (now - c.last >= this.o.windowMs) {
      map.delete(key);
      return 0;
    }
    return c.failures;
  }

  private bump(map: LruMap<string, Counter>, key: string, now: number): void {
    map.set(key, { failures: this.recent(map, key, now) + 1, last: now });
  }
}

/**
 * The throttling key of a client address: IPv4 as is, IPv4-mapped IPv6 as the IPv4 address,
 * other IPv6 as its /`v6Bits` prefix ("2001:db8:1:2:0:0:0:0/64"); anything else (a Unix
 * socket, a test name) as its text, prefixed so it cannot pose as an IP.
 */
export function ipBucket(ip: string, v6Bits: number): string {
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (groups === null) return `other:${ip.slice(0, 64)}`;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  const bits = Math.max(0, Math.min(128, Math.floor(v6Bits)));
  const masked = groups.map((g, i) => {
    const keep = Math.max(0, Math.min(16, bits - 16 * i));
    return (g & ((0xffff << (16 - keep)) & 0xffff)).toString(16);
  });
  return `${masked.join(':')}/${bits}`;
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored); null if it is not one. */
function ipv6Groups(input: string): number[] | null {
  const ip = input.split('%')[0];
  if (!isIPv6(ip)) return null;
  let s = ip;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    // Embedded IPv4 (RFC 4291 §2.2 form 3): the last 32 bits written as a dotted quad.
    const o = tail.split('.').map(Number);
    s = `${s.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = s.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  if (halves.length === 2) {
    const left = parse(halves[0]);
    const right = parse(halves[1]);
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    groups = parse(s);
  }
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
