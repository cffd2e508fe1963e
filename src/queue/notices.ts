// Which delivery reports an attempt calls for (RFC 3461 §4.1 NOTIFY), and sending them:
// failures and delays unless NOTIFY says otherwise, successes only when asked — and then only
// where no server further on took the duty over ("relayed" when the next hop ignores DSN).
// Reports go to the envelope sender with the null sender, so they are never bounced in turn;
// a message from the null sender gets none.
import type { Logger } from '../core/logger.ts';
import { buildDsn, statusOf, type DsnAction, type DsnRecipient } from './dsn.ts';
import type { OutboundQueue } from './outbound.ts';
import type { RcptResult } from './remote-delivery.ts';
import type { RetryPolicy } from './retry.ts';
import type { Outcome, QueuedMessage, QueuedRecipient } from './store.ts';

export type Finished = { recipient: QueuedRecipient; outcome: Outcome; result: RcptResult; local: boolean };

const MAX_RETURN_SIZE = 10 * 1024 * 1024;

type Kind = 'FAILURE' | 'DELAY' | 'SUCCESS';

/** NOTIFY absent means FAILURE,DELAY (RFC 3461 §4.1). */
export function wants(notify: string | null, kind: Kind): boolean {
  if (notify === null) return kind !== 'SUCCESS';
  return notify.toUpperCase().split(',').includes(kind);
}

export class Notices {
  private readonly queue: OutboundQueue;
  private readonly hostname: string;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;

  constructor(queue: OutboundQueue, hostname: string, retry: RetryPolicy, log: Logger) {
    this.queue = queue;
    this.hostname = hostname;
    this.retry = retry;
    this.log = log;
  }

  /**
   * Queues the reports the outcomes call for. Returns the recipients whose failure or delay
   * report could not be queued: the caller keeps them queued, so a later attempt reports again
   * rather than the report being lost.
   */
  async send(m: QueuedMessage, content: Buffer, finished: Finished[], now: number): Promise<Set<number>> {
    const groups: Record<DsnAction, DsnRecipient[]> = { failed: [], delayed: [], delivered: [], relayed: [] };
    const ids: Record<DsnAction, number[]> = { failed: [], delayed: [], delivered: [], relayed: [] };
    const unreported = new Set<number>();
    for (const f of finished) {
      const { recipient: r, outcome: o, result: res } = f;
      const when = new Date(now);
      const remoteMta = f.local ? null : res.host;
      const smtpDiag = res.code !== null;
      const common = { address: r.address, orcpt: r.orcpt, remoteMta, lastAttempt: when, diagnosticType: smtpDiag ? ('smtp' as const) : ('x-mailhaven' as const) };
      if ((o.kind === 'bounced' || o.kind === 'expired') && wants(r.notify, 'FAILURE')) {
        const fallback = res.status ?? (o.kind === 'expired' ? '4.4.7' : '5.0.0');
        groups.failed.push({ ...common, action: 'failed', status: statusOf(res.code, res.reply, fallback), diagnostic: res.reply, willRetryUntil: null });
        ids.failed.push(r.id);
      } else if (o.kind === 'deferred' && o.delayNotified && wants(r.notify, 'DELAY')) {
        ids.delayed.push(r.id);
        groups.delayed.push({
          ...common, action: 'delayed', status: statusOf(res.code, res.reply, res.status ?? '4.0.0'), diagnostic: res.reply,
          willRetryUntil: new Date(m.createdAt + this.retry.lifetimeMs),
        });
      } else if (o.kind === 'delivered' && wants(r.notify, 'SUCCESS') && !res.dsnPassedOn) {
        const action = f.local ? 'delivered' : 'relayed';
        groups[action].push({ ...common, action, status: '2.0.0', diagnostic: res.reply, diagnosticType: 'smtp', willRetryUntil: null });
        ids[action].push(r.id);
      }
    }
    for (const action of ['failed', 'delayed', 'delivered', 'relayed'] as const) {
      const recipients = groups[action];
      if (recipients.length === 0) continue;
      if (m.sender === '') {
        this.log.info({ event: 'queue.no_notice', qid: m.id, action, rcpts: recipients.map((r) => r.address) }, 'no report: the null sender gets none');
        continue;
      }
      const dsn = buildDsn({
        reportingMta: this.hostname, to: m.sender, envid: m.envid, ret: m.ret, arrival: new Date(m.createdAt), original: content,
        recipients, queueId: m.id, maxReturnSize: MAX_RETURN_SIZE,
      });
      try {
        const { queueId } = await this.queue.enqueue({ from: '', recipients: [{ address: m.sender, notify: 'NEVER' }], message: dsn, origin: { kind: 'bounce', sessionId: m.id } });
        this.log.info({ event: 'queue.notice', qid: m.id, dsnQid: queueId, action, to: m.sender, rcpts: recipients.map((r) => r.address) }, 'delivery report queued');
      } catch (e) {
        this.log.error({ event: 'queue.error', qid: m.id, action, err: e }, 'could not queue the delivery report');
        // A lost success report is only a missing courtesy; retrying would deliver twice.
        if (action === 'failed' || action === 'delayed') for (const id of ids[action]) unreported.add(id);
      }
    }
    return unreported;
  }
}
