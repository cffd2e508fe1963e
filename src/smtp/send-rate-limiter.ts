// Sending rate limits for submission: messages and recipients per hour, per account and per
// client IP, over a sliding window. Memory is bounded: each key keeps at most one entry per
// accepted message inside the window (and refusals stop new entries), and the keys live in an
// LRU map.
import { LruMap } from '../auth/lru-map.ts';

export type SendLimits = {
  accountMessages: number;
  accountRecipients: number;
  ipMessages: number;
  ipRecipients: number;
};

type Window = { events: { at: number; recipients: number }[] };

export type LimitHit = { scope: 'account' | 'ip'; kind: 'messages' | 'recipients'; limit: number };

const HOUR = 3_600_000;

export class SendRateLimiter {
  private readonly limits: SendLimits;
  private readonly clock: () => number;
  private readonly exemptIp: (ip: string) => boolean;
  private readonly windows = new LruMap<string, Window>(100_000);

  constructor(limits: SendLimits, opts: { clock?: () => number; exemptIp?: (ip: string) => boolean } = {}) {
    this.limits = limits;
    this.clock = opts.clock ?? Date.now;
    this.exemptIp = opts.exemptIp ?? (() => false);
  }

  /**
   * Whether one more message with `recipients` recipients (so far) would pass every limit;
   * null when it does, else the first limit it hits.
   */
  check(account: string, ip: string, recipients: number): LimitHit | null {
    const scopes: ['account' | 'ip', string, number, number][] = [['account', `a:${account}`, this.limits.accountMessages, this.limits.accountRecipients]];
    if (!this.exemptIp(ip)) scopes.push(['ip', `i:${ip}`, this.limits.ipMessages, this.limits.ipRecipients]);
    for (const [scope, key, maxMessages, maxRecipients] of scopes) {
      const used = this.usage(key);
      if (maxMessages > 0 && used.messages + 1 > maxMessages) return { scope, kind: 'messages', limit: maxMessages };
      if (maxRecipients > 0 && used.recipients + recipients > maxRecipients) return { scope, kind: 'recipients', limit: maxRecipients };
    }
    return null;
  }

  /**
   * Counts a message. Called right after check() passes, before any await, so parallel
   * connections of one account cannot all pass the same check; the returned function takes
   * the count back when the message is not accepted after all.
   */
  record(account: string, ip: string, recipients: number): () => void {
    const event = { at: this.clock(), recipients };
    const keys = this.exemptIp(ip) ? [`a:${account}`] : [`a:${account}`, `i:${ip}`];
    for (const key of keys) {
      const w = this.windows.get(key) ?? { events: [] };
      w.events.push(event);
      this.windows.set(key, w);
    }
    return () => {
      for (const key of keys) {
        const w = this.windows.get(key);
        const i = w ? w.events.indexOf(event) : -1;
        if (w && i >= 0) w.events.splice(i, 1);
      }
    };
  }

  private usage(key: string): { messages: number; recipients: number } {
    const w = this.windows.get(key);
    if (!w) return { messages: 0, recipients: 0 };
    const since = this.clock() - HOUR;
    let drop = 0;
    while (drop < w.events.length && w.events[drop].at <= since) drop++;
    if (drop > 0) w.events.splice(0, drop);
    if (w.events.length === 0) {
      this.windows.delete(key);
      return { messages: 0, recipients: 0 };
    }
    let recipients = 0;
    for (const e of w.events) recipients += e.recipients;
    return { messages: w.events.length, recipients };
  }
}
