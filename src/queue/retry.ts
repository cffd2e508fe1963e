// When to try again after a temporary failure: exponential backoff from `initial`, growing by
// `factor`, at most `max` apart, and never past the message's expiry (so it expires on time).
export type RetryPolicy = {
  initialMs: number;
  factor: number;
  maxMs: number;
  lifetimeMs: number;
  /** 0: no delay notices. */
  delayNoticeMs: number;
};

/** Wait before attempt number `attempts + 1`, given `attempts` failed ones so far (≥ 1). */
export function backoffMs(p: RetryPolicy, attempts: number): number {
  return Math.min(p.maxMs, p.initialMs * p.factor ** Math.max(0, attempts - 1));
}

export type AfterFailure = { kind: 'retry'; at: number } | { kind: 'expire' };

export function afterTemporaryFailure(p: RetryPolicy, createdAt: number, attempts: number, now: number): AfterFailure {
  const expiresAt = createdAt + p.lifetimeMs;
  if (now >= expiresAt) return { kind: 'expire' };
  return { kind: 'retry', at: Math.min(expiresAt, now + backoffMs(p, attempts)) };
}

/** A delay notice is due once the message is older than the notice age and none was sent. */
export function delayNoticeDue(p: RetryPolicy, createdAt: number, alreadySent: boolean, now: number): boolean {
  return p.delayNoticeMs > 0 && !alreadySent && now - createdAt >= p.delayNoticeMs;
}
