// enqueue(): the OutboundQueue the submission listener, alias forwarding and bounces hand mail
// to. The file is written and fsynced, then the rows committed; only then does it resolve.
// Every recipient is queued, local ones too: the runner hands those to local delivery at once
// (no network), so a temporary local failure (mailbox full) is retried like any other.
import { parseAddress } from '../core/address.ts';
import { newId, type Logger } from '../core/logger.ts';
import { MailError } from '../core/mail-error.ts';
import { bareMessageId } from '../mime/envelope.ts';
import { fieldValue, scanHeader } from '../mime/header-block.ts';
import type { OutboundMessage, OutboundQueue } from './outbound.ts';
import type { Spool } from './spool.ts';
import type { NewRecipient, QueueStore } from './store.ts';

/** Received headers beyond this mean a forwarding loop (RFC 5321 §6.3). */
export const MAX_HOPS = 50;

export class QueueService implements OutboundQueue {
  private readonly store: QueueStore;
  private readonly spool: Spool;
  private readonly log: Logger;
  /** Called after each enqueue so a running runner looks at once. */
  onEnqueued: () => void = () => undefined;

  constructor(store: QueueStore, spool: Spool, log: Logger) {
    this.store = store;
    this.spool = spool;
    this.log = log;
  }

  async enqueue(m: OutboundMessage): Promise<{ queueId: string }> {
    if (m.recipients.length === 0) throw new MailError({ code: 554, enhanced: '5.5.1', message: 'No valid recipients' });
    if (countReceived(m.message) > MAX_HOPS) throw new MailError({ code: 554, enhanced: '5.4.6', message: 'Too many hops: mail loop detected' });
    const rcpts: NewRecipient[] = [];
    const seen = new Set<string>();
    for (const r of m.recipients) {
      const p = parseAddress(r.address);
      if (!p.ok) throw new MailError({ code: 501, enhanced: '5.1.3', message: `<${r.address}>: Bad address syntax: ${p.reason}` });
      if (seen.has(r.address.toLowerCase())) continue;
      seen.add(r.address.toLowerCase());
      const notify = r.notify === undefined ? null : r.notify === 'NEVER' ? 'NEVER' : r.notify.join(',');
      rcpts.push({ address: r.address, domain: p.address.domain.toLowerCase(), notify, orcpt: r.orcpt ?? null });
    }
    const id = newId();
    const now = Date.now();
    const file = await this.spool.write(id, m.message);
    // For logs and `queue list`: the header field alone, not a parse of the whole message.
    const messageId = bareMessageId(fieldValue(m.message, scanHeader(m.message, 0, m.message.length), 'message-id'));
    try {
      this.store.insert(
        {
          id, sender: m.from, ret: m.ret ?? null, envid: m.envid ?? null, size: m.message.length, file, messageId,
          origin: m.origin.kind, originSid: m.origin.sessionId ?? null, account: m.origin.account ?? null, createdAt: now,
        },
        rcpts,
        now,
      );
    } catch (e) {
      await this.spool.remove(file);
      this.log.error({ event: 'queue.error', qid: id, err: e }, 'could not record the queued message');
      throw new MailError({ code: 451, enhanced: '4.3.0', message: 'Local error in processing; try again later', cause: e });
    }
    this.log.info(
      { event: 'queue.enqueued', qid: id, sid: m.origin.sessionId, origin: m.origin.kind, account: m.origin.account, from: m.from, to: rcpts.map((r) => r.address), messageId, size: m.message.length },
      'message queued',
    );
    this.onEnqueued();
    return { queueId: id };
  }
}

function countReceived(message: Buffer): number {
  const end = message.indexOf('\r\n\r\n');
  const head = message.subarray(0, end < 0 ? Math.min(message.length, 256 * 1024) : end).toString('latin1');
  return (head.match(/^received:/gim) ?? []).length;
}
