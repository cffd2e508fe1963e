// The MDA: turns accepted recipients into mailbox copies. RCPT-time checks (does the address
// exist, is it an alias, is the mailbox full) and the DATA-time store, with one copy per
// account however many of the recipients lead to it.
import { errors, MailError } from '../core/mail-error.ts';
import type { Logger } from '../core/logger.ts';
import type { Directory } from '../directory/directory.ts';
import { resolveRecipient, type LocalTarget } from '../directory/resolve.ts';
import type { ParsedMessage } from '../mime/parse-message.ts';
import type { DeliveryTarget, MessageStore, Stored } from '../store/store.ts';

export type RecipientPlan = {
  /** The address as the client gave it (for Delivered-To and logs). */
  address: string;
  targets: LocalTarget[];
};

export type LocalDeliveryOptions = { subaddressSeparator: string; maxAliasDepth: number };

export type Incoming = {
  sender: string;
  content: Buffer;
  parsed: ParsedMessage;
  receivedAt: Date;
};

export class LocalDelivery {
  private readonly dir: Directory;
  private readonly store: MessageStore;
  private readonly opts: LocalDeliveryOptions;
  private readonly log: Logger;

  constructor(dir: Directory, store: MessageStore, opts: LocalDeliveryOptions, log: Logger) {
    this.dir = dir;
    this.store = store;
    this.opts = opts;
    this.log = log;
  }

  /** True when mail for this (normalised) domain is ours. */
  isLocalDomain(domain: string): Promise<boolean> {
    return this.dir.hasDomain(domain);
  }

  /**
   * RCPT-time check of a hosted address (`key` is the directory lookup key). Throws the
   * MailError to answer with: unknown user, alias loop, external forwarding (not yet),
   * mailbox full.
   */
  async planRecipient(address: string, key: string): Promise<RecipientPlan> {
    const r = await resolveRecipient(this.dir, key, { subaddressSeparator: this.opts.subaddressSeparator, maxDepth: this.opts.maxAliasDepth });
    switch (r.kind) {
      case 'foreign':
        throw errors.relayDenied(address);
      case 'unknown':
        throw errors.unknownUser(address);
      case 'loop':
        throw errors.aliasLoop(address);
      case 'found':
        break;
    }
    // Never drop the external part of an alias silently: refuse until the queue can forward.
    if (r.external.length > 0) throw errors.externalNotYet(address);
    for (const t of r.local) {
      if (t.account.quota > 0 && (await this.store.usage(t.account.id)) >= t.account.quota) throw errors.overQuotaTemp(address);
    }
    return { address, targets: r.local };
  }

  /**
   * Stores one message for every planned recipient, all or nothing. Over-quota at this point
   * fails the whole transaction: 552 when the message is larger than a whole quota (it can
   * never fit), 452 when it would fit once the user makes room.
   */
  async deliver(msg: Incoming, plans: RecipientPlan[]): Promise<Stored[]> {
    const seen = new Set<number>();
    const targets: DeliveryTarget[] = [];
    for (const plan of plans) {
      for (const t of plan.targets) {
        if (seen.has(t.account.id)) continue;
        seen.add(t.account.id);
        await this.checkQuota(t, plan.address, msg.content.length);
        targets.push({ account: t.account, mailbox: 'INBOX', prefix: deliveryHeaders(msg.sender, plan.address) });
      }
    }
    if (targets.length === 0) return [];
    try {
      return await this.store.deliver({ content: msg.content, parsed: msg.parsed, internalDate: msg.receivedAt }, targets);
    } catch (e) {
      if (e instanceof MailError) throw e;
      this.log.error({ event: 'delivery.error', err: e }, 'store failed');
      throw errors.localError(e);
    }
  }

  private async checkQuota(t: LocalTarget, address: string, size: number): Promise<void> {
    const quota = t.account.quota;
    if (quota <= 0) return;
    if (size > quota) throw errors.overQuotaPerm(address);
    if ((await this.store.usage(t.account.id)) + size > quota) throw errors.overQuotaTemp(address);
  }
}

/** Return-Path and Delivered-To, added at final delivery (RFC 5321 §4.4; Postfix's Delivered-To). */
export function deliveryHeaders(sender: string, recipient: string): Buffer {
  return Buffer.from(`Return-Path: <${sender}>\r\nDelivered-To: ${recipient}\r\n`, 'utf8');
}
