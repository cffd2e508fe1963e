// The MDA: turns accepted recipients into mailbox copies. RCPT-time checks (does the address
// exist, is it an alias, is the mailbox full) and the DATA-time store, with one copy per
// account however many of the recipients lead to it.
import { errors, MailError } from '../core/mail-error.ts';
import type { Logger } from '../core/logger.ts';
import type { Directory } from '../directory/directory.ts';
import { resolveRecipient, type LocalTarget } from '../directory/resolve.ts';
import type { ParsedMessage } from '../mime/parse-message.ts';
import type { DsnNotify, OutboundQueue, OutboundRecipient } from '../queue/outbound.ts';
import { buildDsn } from '../queue/dsn.ts';
import type { Srs } from '../queue/srs.ts';
import type { DeliveryTarget, MessageStore, Stored } from '../store/store.ts';

export type RecipientPlan = {
  /** The address as the client gave it (for Delivered-To and logs). */
  address: string;
  targets: LocalTarget[];
  /** External addresses an alias forwards to (sent through the outbound queue). */
  external?: string[];
  /** Set when the address is one of our SRS addresses: a bounce passed back to this sender. */
  srsReturn?: string;
  /** RFC 3461 NOTIFY and ORCPT (xtext-decoded) given with the RCPT, when the client sent them. */
  notify?: DsnNotify;
  orcpt?: string;
};

export type LocalDeliveryOptions = { subaddressSeparator: string; maxAliasDepth: number };

/** What forwarding to external addresses (and sending delivery reports) needs; without it such
 *  aliases are refused with 451. `hostname` signs the reports (Reporting-MTA). */
export type Forwarding = { queue: OutboundQueue; srs: Srs; hostname: string };

export type Incoming = {
  sender: string;
  content: Buffer;
  parsed: ParsedMessage;
  receivedAt: Date;
  /** The id the client was told ("queued as"), for reports. */
  id?: string;
  /** RFC 3461 RET and ENVID (xtext-decoded) given with MAIL FROM. */
  dsn?: { ret?: 'FULL' | 'HDRS'; envid?: string };
};

export class LocalDelivery {
  private readonly dir: Directory;
  private readonly store: MessageStore;
  private readonly opts: LocalDeliveryOptions;
  private readonly log: Logger;
  private forwarding: Forwarding | null;

  constructor(dir: Directory, store: MessageStore, opts: LocalDeliveryOptions, log: Logger) {
    this.dir = dir;
    this.store = store;
    this.opts = opts;
    this.log = log;
    this.forwarding = null;
  }

  /** Turns on forwarding once the queue exists (the queue delivers local mail through us). */
  enableForwarding(f: Forwarding): void {
    this.forwarding = f;
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
    // A bounce (or reply) to an address our SRS made: pass it to the original sender. Forged
    // or expired SRS addresses fall through and are unknown users.
    const original = this.forwarding?.srs.reverse(address);
    if (original) return { address, targets: [], srsReturn: original };
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
    // Never drop the external part of an alias silently: refuse when there is no queue.
    if (r.external.length > 0 && !this.forwarding) throw errors.externalNotYet(address);
    for (const t of r.local) {
      if (t.account.quota > 0 && (await this.store.usage(t.account.id)) >= t.account.quota) throw errors.overQuotaTemp(address);
    }
    return r.external.length > 0 ? { address, targets: r.local, external: r.external } : { address, targets: r.local };
  }

  /**
   * Stores one message for every planned recipient, all or nothing. Over-quota at this point
   * fails the whole transaction: 552 when the message is larger than a whole quota (it can
   * never fit), 452 when it would fit once the user makes room.
   */
  async deliver(msg: Incoming, plans: RecipientPlan[]): Promise<Stored[]> {
    const copies = localCopies(msg.sender, plans);
    for (const c of copies) await this.checkQuota(c.local, c.address, msg.content.length);
    // Forwards are queued before the local copies are stored: if queueing fails the client
    // is told to retry and nothing was stored; the other order would store twice on retry.
    await this.forward(msg, plans);
    if (copies.length === 0) return [];
    const stored = await this.storing(() => this.store.deliver({ content: msg.content, parsed: msg.parsed, internalDate: msg.receivedAt }, copies.map((c) => c.target)));
    await this.reportDelivered(msg, plans);
    return stored;
  }

  /**
   * RFC 3461 NOTIFY=SUCCESS: a "delivered" report to the sender for the recipients that asked
   * and reached a mailbox here. The message is stored by now: a report that cannot be queued
   * is logged, not turned into a failure of the delivery.
   */
  private async reportDelivered(msg: Incoming, plans: RecipientPlan[]): Promise<void> {
    const f = this.forwarding;
    const asked = plans.filter((p) => p.targets.length > 0 && wantsSuccess(p.notify));
    if (!f || asked.length === 0 || msg.sender === '') return;
    const report = buildDsn({
      reportingMta: f.hostname,
      to: msg.sender,
      envid: msg.dsn?.envid ?? null,
      ret: msg.dsn?.ret ?? null,
      arrival: msg.receivedAt,
      original: msg.content,
      recipients: asked.map((p) => ({
        address: p.address, orcpt: p.orcpt ?? null, action: 'delivered', status: '2.0.0', remoteMta: null,
        diagnostic: null, diagnosticType: 'x-mailhaven', lastAttempt: msg.receivedAt, willRetryUntil: null,
      })),
      queueId: msg.id ?? '',
      maxReturnSize: 0,
    });
    try {
      const { queueId } = await f.queue.enqueue({ from: '', recipients: [{ address: msg.sender }], message: report, origin: { kind: 'bounce' } });
      this.log.info({ event: 'delivery.dsn', id: msg.id, qid: queueId, to: msg.sender, rcpts: asked.map((p) => p.address) }, 'delivery report queued');
    } catch (e) {
      this.log.error({ event: 'delivery.dsn_failed', id: msg.id, err: e }, 'delivery report could not be queued');
    }
  }

  /**
   * The second half of a delivery whose copies another thread wrote (placeCopy, one per
   * localCopies entry, in that order): the quota check, then the index commit. Plans with
   * forwards never come here (see needsQueue). On failure the files are removed.
   */
  async commitPlaced(msg: Omit<Incoming, 'content'> & { size: number }, plans: RecipientPlan[], files: { file: string; size: number }[]): Promise<Stored[]> {
    const copies = localCopies(msg.sender, plans);
    const placed = copies.flatMap((c, i) => (files[i] ? [{ target: c.target, file: files[i].file, size: files[i].size }] : []));
    try {
      if (files.length !== copies.length) throw new Error(`${files.length} copies placed for ${copies.length} targets`);
      for (const c of copies) await this.checkQuota(c.local, c.address, msg.size);
    } catch (e) {
      await this.store.discardPlaced(placed);
      throw e;
    }
    return this.storing(() => this.store.commitPlaced({ parsed: msg.parsed, internalDate: msg.receivedAt }, placed));
  }

  private async storing(fn: () => Promise<Stored[]>): Promise<Stored[]> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof MailError) throw e;
      this.log.error({ event: 'delivery.error', err: e }, 'store failed');
      throw errors.localError(e);
    }
  }

  /**
   * Queues the external part of the plans: the message unchanged, the envelope sender
   * rewritten with SRS at the alias's domain (so SPF at the destination checks our domain),
   * except a null sender or one of our own domains. SRS bounces go back with the null sender.
   */
  private async forward(msg: Incoming, plans: RecipientPlan[]): Promise<void> {
    const f = this.forwarding;
    if (!f) return;
    const returns = [...new Set(plans.flatMap((p) => (p.srsReturn ? [p.srsReturn] : [])))];
    if (returns.length > 0) {
      // Always from the null sender: a return is a bounce on its way home, and anything else
      // sent to an SRS address must not go out in a stranger's name from our address.
      await f.queue.enqueue({ from: '', recipients: returns.map((address) => ({ address })), message: msg.content, origin: { kind: 'forward' } });
    }
    // One message per alias domain (its SRS sender); each forward keeps the NOTIFY and ORCPT
    // of the address it came from (RFC 3461 §6.2.7.2: a one-to-one forward passes them on).
    const byDomain = new Map<string, Map<string, OutboundRecipient>>();
    for (const p of plans) {
      if (!p.external?.length) continue;
      const dom = p.address.slice(p.address.lastIndexOf('@') + 1).toLowerCase();
      const set = byDomain.get(dom) ?? new Map<string, OutboundRecipient>();
      for (const e of p.external) {
        if (!set.has(e)) set.set(e, { address: e, ...(p.notify ? { notify: p.notify } : {}), orcpt: p.orcpt ?? `rfc822;${p.address}` });
      }
      byDomain.set(dom, set);
    }
    if (byDomain.size === 0) return;
    const senderDomain = msg.sender.slice(msg.sender.lastIndexOf('@') + 1).toLowerCase();
    const ownSender = msg.sender === '' || (await this.dir.hasDomain(senderDomain));
    for (const [dom, set] of byDomain) {
      const from = ownSender ? msg.sender : f.srs.forward(msg.sender, dom);
      const { queueId } = await f.queue.enqueue({ from, recipients: [...set.values()], ...(msg.dsn ?? {}), message: msg.content, origin: { kind: 'forward' } });
      this.log.info({ event: 'delivery.forward', qid: queueId, from: msg.sender, srs: from, to: [...set.keys()] }, 'forwarded to external addresses');
    }
  }

  private async checkQuota(t: LocalTarget, address: string, size: number): Promise<void> {
    const quota = t.account.quota;
    if (quota <= 0) return;
    if (size > quota) throw errors.overQuotaPerm(address);
    if ((await this.store.usage(t.account.id)) + size > quota) throw errors.overQuotaTemp(address);
  }
}

/** True when delivering these plans involves the outbound queue (forwards, SRS returns). */
export function needsQueue(plans: readonly RecipientPlan[]): boolean {
  return plans.some((p) => p.srsReturn !== undefined || (p.external?.length ?? 0) > 0 || wantsSuccess(p.notify));
}

function wantsSuccess(notify: DsnNotify | undefined): boolean {
  return notify !== undefined && notify !== 'NEVER' && notify.includes('SUCCESS');
}

export type LocalCopy = { target: DeliveryTarget; local: LocalTarget; address: string };

/** One copy per account however many recipients lead to it, each with its own Return-Path and
 *  Delivered-To (the first recipient that reached the account). */
export function localCopies(sender: string, plans: readonly RecipientPlan[]): LocalCopy[] {
  const seen = new Set<number>();
  const copies: LocalCopy[] = [];
  for (const plan of plans) {
    for (const t of plan.targets) {
      if (seen.has(t.account.id)) continue;
      seen.add(t.account.id);
      copies.push({ target: { account: t.account, mailbox: 'INBOX', prefix: deliveryHeaders(sender, plan.address) }, local: t, address: plan.address });
    }
  }
  return copies;
}

/** Return-Path and Delivered-To, added at final delivery (RFC 5321 §4.4; Postfix's Delivered-To). */
function deliveryHeaders(sender: string, recipient: string): Buffer {
  return Buffer.from(`Return-Path: <${sender}>\r\nDelivered-To: ${recipient}\r\n`, 'utf8');
}
