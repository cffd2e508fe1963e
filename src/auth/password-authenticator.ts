// The Authenticator for IMAP, POP3 and submission: user name and password against the
// directory. See throttle.ts for the failure delays and login-cache.ts for the cache of recent
// successful logins.
//
// One attempt:
//   1. The user name is canonicalised as the directory keys accounts (parseAddress, lookupKey:
//      lower case, NFC, A-label domain). A name that does not parse is an unknown user.
//   2. Throttling: past the hard limit for the IP, 'throttled' at once; otherwise wait the
//      delay earned by recent failures of the IP or the user.
//   3. The account is read from the directory on every attempt, so a removed account or a
//      changed password takes effect at once, cache or not.
//   4. Known user: a cache hit accepts without hashing; otherwise verifyPassword. Unknown user:
//      the same kind of verification against a dummy argon2id hash, so the answer takes as long
//      as a wrong password and does not tell who exists.
//   5. Success with an old-scheme hash (imported from Dovecot): re-hashed with argon2id and
//      stored in the background; the login does not wait for it.
//   6. One log line, event "auth.login"; never the password.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { lookupKey, parseAddress } from '../core/address.ts';
import type { Logger } from '../core/logger.ts';
import type { Account, Directory } from '../directory/directory.ts';
import { hashPassword, needsRehash, verifyPassword } from '../directory/passwords.ts';
import type { Authenticator, LoginRequest, LoginResult } from './authenticator.ts';
import { LoginCache, type LoginCacheOptions } from './login-cache.ts';
import { LoginThrottle, type ThrottleOptions } from './throttle.ts';

/** How many characters of an unparsable user name go into the log. */
const LOG_NAME_CHARS = 64;

export type PasswordAuthenticatorDeps = {
  directory: Directory;
  log: Logger;
  /** Milliseconds since the epoch; injectable so tests can move time. Default Date.now. */
  clock?: () => number;
  /** Waits out a throttling delay; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  options?: Partial<ThrottleOptions>;
  cache?: Partial<LoginCacheOptions>;
  /** Default verifyPassword (src/directory/passwords.ts); tests count calls through this. */
  verify?: (plain: string, stored: string) => Promise<boolean>;
  /** Default hashPassword: used for the dummy hash and for re-hashing. */
  hash?: (plain: string) => Promise<string>;
};

type Who = {
  /** Directory key, or null when the name does not parse as an address. */
  key: string | null;
  /** What the log shows: the key, or the raw name cut to LOG_NAME_CHARS characters. */
  logName: string;
  /** Key of the per-user failure counter. */
  throttleKey: string;
};

type Outcome = { result: LoginResult; err?: unknown };

export class PasswordAuthenticator implements Authenticator {
  private readonly directory: Directory;
  private readonly log: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly verify: (plain: string, stored: string) => Promise<boolean>;
  private readonly hash: (plain: string) => Promise<string>;
  private readonly throttle: LoginThrottle;
  private readonly cache: LoginCache;
  private dummy: Promise<string> | null = null;
  /** Accounts being re-hashed now: several connections logging in at once re-hash once. */
  private readonly rehashing = new Set<string>();
  private readonly background = new Set<Promise<void>>();

  constructor(deps: PasswordAuthenticatorDeps) {
    const clock = deps.clock ?? Date.now;
    this.directory = deps.directory;
    this.log = deps.log;
    this.sleep = deps.sleep ?? ((ms) => delay(ms));
    this.verify = deps.verify ?? verifyPassword;
    this.hash = deps.hash ?? hashPassword;
    this.throttle = new LoginThrottle(deps.options, clock);
    this.cache = new LoginCache(deps.cache, clock);
  }

  async login(req: LoginRequest): Promise<LoginResult> {
    const who = identify(req.username);
    const ipKey = this.throttle.ipKey(req.ip);
    const line = {
      event: 'auth.login',
      sid: req.sid,
      service: req.service,
      mechanism: req.mechanism,
      user: who.logName,
      ip: req.ip,
      tls: req.tls,
    };

    // Start making the dummy hash with the first attempt of any kind, so that even the first
    // unknown user does not take longer than a wrong password.
    if (this.dummy === null) this.dummyHash().catch(() => {});

    const gate = this.throttle.start(ipKey, who.throttleKey);
    if (gate.throttled) {
      this.log.warn({ ...line, result: 'throttled', delayMs: 0 }, 'login refused: too many failures from this address');
      return { ok: false, reason: 'throttled' };
    }

    let outcome: Outcome = { result: { ok: false, reason: 'unavailable' } };
    try {
      if (gate.delayMs > 0) await this.sleep(gate.delayMs);
      outcome = await this.check(who, req.password);
    } finally {
      const r = outcome.result;
      this.throttle.finish(ipKey, who.throttleKey, r.ok ? 'ok' : r.reason === 'invalid' ? 'invalid' : 'error');
    }

    const r = outcome.result;
    const result = r.ok ? 'ok' : r.reason;
    if (outcome.err !== undefined) {
      this.log.error({ ...line, result, delayMs: gate.delayMs, err: outcome.err }, 'login failed: directory unavailable');
    } else {
      this.log.info({ ...line, result, delayMs: gate.delayMs }, r.ok ? 'login' : 'login failed');
    }
    return r;
  }

  /** Resolves when background work (re-hashing) started so far has finished. */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  private async check(who: Who, password: string): Promise<Outcome> {
    let account: Account | null = null;
    try {
      if (who.key !== null) account = await this.directory.getAccount(who.key);
      if (account === null) {
        // Same work as a wrong password, so neither the answer nor its timing tells which
        // user names exist.
        await this.verify(password, await this.dummyHash());
        return { result: { ok: false, reason: 'invalid' } };
      }
      if (!this.cache.has(account.address, account.passwordHash, password)) {
        if (!(await this.verify(password, account.passwordHash))) return { result: { ok: false, reason: 'invalid' } };
        this.cache.put(account.address, account.passwordHash, password);
      }
    } catch (err) {
      return { result: { ok: false, reason: 'unavailable' }, err };
    }
    this.maybeRehash(account, password);
    return { result: { ok: true, account } };
  }

  /** An argon2id hash of a random password, made once, on first need. */
  private dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(18).toString('base64')).catch((err: unknown) => {
      this.dummy = null;
      throw err;
    });
    return this.dummy;
  }

  /** Stores an argon2id hash of `password` if the account's hash is of an older kind. */
  private maybeRehash(account: Account, password: string): void {
    const old = account.passwordHash;
    if (!needsRehash(old) || this.rehashing.has(account.address)) return;
    this.rehashing.add(account.address);
    const fields = { event: 'auth.rehash', user: account.address, from: hashScheme(old) };
    const task = (async () => {
      try {
        const fresh = await this.hash(password);
        // Not if the password was changed meanwhile (there is no compare-and-set in Directory;
        // this narrows the window to one round trip).
        const current = await this.directory.getAccount(account.address);
        if (current === null || current.passwordHash !== old) {
          this.log.info(fields, 'password re-hash skipped: the password changed meanwhile');
          return;
        }
        await this.directory.setPassword(account.address, fresh);
        this.cache.put(account.address, fresh, password);
        this.log.info(fields, 'password re-hashed with argon2id');
      } catch (err) {
        this.log.warn({ ...fields, err }, 'password re-hash failed');
      } finally {
        this.rehashing.delete(account.address);
      }
    })();
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }
}

function identify(username: string): Who {
  const parsed = parseAddress(username);
  if (parsed.ok) {
    const key = lookupKey(parsed.address);
    return { key, logName: key, throttleKey: key };
  }
  // Cut by code points so no surrogate pair is split; the slice first bounds the work.
  const logName = Array.from(String(username).slice(0, 2 * LOG_NAME_CHARS)).slice(0, LOG_NAME_CHARS).join('');
  // NUL cannot occur in a parsed key, so this counter never shares a key with a real user.
  return { key: null, logName, throttleKey: `\u0000${logName}` };
}

/** "SHA512-CRYPT", "6", "argon2id" …: the scheme of a stored hash, for the log. */
function hashScheme(stored: string): string {
  return /^\{([A-Za-z0-9-]{1,32})\}/.exec(stored)?.[1] ?? /^\$([a-z0-9]{1,16})\$/.exec(stored)?.[1] ?? 'unknown';
}
