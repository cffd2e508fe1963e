// Sender Rewriting Scheme for forwarded mail: the envelope sender becomes an address of ours,
// so the destination's SPF check sees our domain, and bounces come back to us to be passed on.
// Format (as libsrs2/postsrsd): SRS0=HHHH=TT=orig-domain=orig-local@our-domain, where TT is
// the day number (mod 1024, two base32 letters) and HHHH the first four base64 characters of
// HMAC-SHA1(secret, TT + orig-domain + orig-local) over lower-case text. A reverse address is
// honoured only when the hash matches and the day is at most MAX_AGE_DAYS old.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const MAX_AGE_DAYS = 21;
const DAY_MS = 86_400_000;

export class Srs {
  private readonly secret: Buffer;
  private readonly now: () => number;

  constructor(secret: Buffer, now: () => number = Date.now) {
    this.secret = secret;
    this.now = now;
  }

  /** Loads the secret from `file`, making one (32 random bytes, mode 0600) on first use. */
  static fromFile(file: string): Srs {
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return new Srs(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
  }

  /** Rewrites `sender` as an address at `ourDomain`; the null sender stays null. */
  forward(sender: string, ourDomain: string): string {
    if (sender === '') return '';
    const at = sender.lastIndexOf('@');
    if (at < 1) return sender;
    const local = sender.slice(0, at);
    const domain = sender.slice(at + 1);
    const tt = this.stamp(Math.floor(this.now() / DAY_MS));
    return `SRS0=${this.hash(tt, domain, local)}=${tt}=${domain}=${local}@${ourDomain}`;
  }

  /** The original sender of an SRS0 address we made, or null when it is not one (or forged, or too old). */
  reverse(address: string): string | null {
    const at = address.lastIndexOf('@');
    const local = at > 0 ? address.slice(0, at) : address;
    const m = /^SRS0[=+-]([^=]+)=([A-Z2-7]{2})=([^=]+)=(.+)$/i.exec(local);
    if (!m) return null;
    const [, hash, tt, domain, origLocal] = m;
    const want = Buffer.from(this.hash(tt.toUpperCase(), domain, origLocal).toLowerCase());
    const got = Buffer.from(hash.toLowerCase());
    // Compared without case: some relays lower-case the local part.
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    if (this.ageDays(tt.toUpperCase()) > MAX_AGE_DAYS) return null;
    return `${origLocal}@${domain}`;
  }

  private hash(tt: string, domain: string, local: string): string {
    return createHmac('sha1', this.secret).update(`${tt}${domain}${local}`.toLowerCase()).digest('base64').slice(0, 4);
  }

  private stamp(day: number): string {
    const d = day % 1024;
    return BASE32[d >> 5] + BASE32[d & 31];
  }

  private ageDays(tt: string): number {
    const then = (BASE32.indexOf(tt[0]) << 5) | BASE32.indexOf(tt[1]);
    const today = Math.floor(this.now() / DAY_MS) % 1024;
    return (today - then + 1024) % 1024;
  }
}
