// An interim OutboundQueue until the durable outbound queue lands: local recipients go
// straight to local delivery (which answers only once the message is fsynced, so the contract
// "resolved means durably queued" holds), remote recipients are refused with a temporary error
// so the client keeps the message and tries again later. main.ts picks it in one place.
import { lookupKey, parseAddress } from '../core/address.ts';
import { errors, MailError } from '../core/mail-error.ts';
import { newId, type Logger } from '../core/logger.ts';
import type { LocalDelivery, RecipientPlan } from '../delivery/local-delivery.ts';
import { parseMessage } from '../mime/parse-message.ts';
import type { OutboundMessage, OutboundQueue } from './outbound.ts';

export const outboundUnavailable = () =>
  new MailError({ code: 451, enhanced: '4.4.0', message: 'outbound delivery is not available' });

export class LocalOnlyQueue implements OutboundQueue {
  private readonly delivery: LocalDelivery;
  private readonly log: Logger;

  constructor(delivery: LocalDelivery, log: Logger) {
    this.delivery = delivery;
    this.log = log;
  }

  async enqueue(m: OutboundMessage): Promise<{ queueId: string }> {
    const plans: RecipientPlan[] = [];
    // All recipients are checked before anything is stored: all or nothing.
    for (const r of m.recipients) {
      const p = parseAddress(r.address);
      if (!p.ok) throw errors.badAddress(r.address, p.reason);
      if (!(await this.delivery.isLocalDomain(p.address.domain))) throw outboundUnavailable();
      plans.push(await this.delivery.planRecipient(r.address, lookupKey(p.address)));
    }
    const queueId = newId();
    await this.delivery.deliver({ sender: m.from, content: m.message, parsed: parseMessage(m.message), receivedAt: new Date() }, plans);
    this.log.info({ event: 'queue.local', queueId, sid: m.origin.sessionId, from: m.from, to: plans.map((p) => p.address) }, 'delivered locally');
    return { queueId };
  }
}
