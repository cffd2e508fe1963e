// The queue runner: looks for due recipients (every poll interval, and at once after an
// enqueue), groups them into jobs (one message × one destination), runs jobs within the
// global and per-destination limits, records each recipient's outcome and sends the DSNs.
// Requests from `mailhaven queue retry|flush|remove` reach a running server through the same
// rows: they change next_attempt_at or state, and the next poll sees it.
import { lookupKey, parseAddress } from '../core/address.ts';
import type { Logger } from '../core/logger.ts';
import { MailError } from '../core/mail-error.ts';
import type { LocalDelivery, RecipientPlan } from '../delivery/local-delivery.ts';
import type { Directory } from '../directory/directory.ts';
import { parseMessage } from '../mime/parse-message.ts';
import { Notices, type Finished } from './notices.ts';
import type { Destination, RcptResult, RemoteDelivery, Smarthost } from './remote-delivery.ts';
import { afterTemporaryFailure, delayNoticeDue, type RetryPolicy } from './retry.ts';
import type { Spool } from './spool.ts';
import type { Outcome, QueuedMessage, QueuedRecipient, QueueStore } from './store.ts';

export type RunnerOptions = {
  retry: RetryPolicy;
  concurrency: number;
  perDestination: number;
  pollMs: number;
  smarthost: (Smarthost & { domains: string[] }) | null;
  /** How long stop() lets attempts in progress finish before dropping their connections. */
  stopGraceMs: number;
};

type Job = { message: QueuedMessage; recipients: QueuedRecipient[]; domain: string };
type Dest = { key: string; pending: Job[]; active: number };

export class QueueRunner {
  private readonly store: QueueStore;
  private readonly spool: Spool;
  private readonly directory: Directory;
  private readonly local: LocalDelivery;
  private readonly remote: RemoteDelivery;
  private readonly notices: Notices;
  private readonly opts: RunnerOptions;
  private readonly log: Logger;
  private readonly dests = new Map<string, Dest>();
  private readonly running = new Set<Promise<void>>();
  private active = 0;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private again = false;
  private closing = false;
  /** Set once stop() gave up waiting: late attempts then leave their rows for the next start. */
  private dead = false;

  constructor(d: { store: QueueStore; spool: Spool; directory: Directory; local: LocalDelivery; remote: RemoteDelivery; notices: Notices; log: Logger }, opts: RunnerOptions) {
    this.store = d.store;
    this.spool = d.spool;
    this.directory = d.directory;
    this.local = d.local;
    this.remote = d.remote;
    this.notices = d.notices;
    this.log = d.log;
    this.opts = opts;
  }

  async start(): Promise<void> {
    // A previous run stopped or crashed mid-attempt: those recipients are tried again (at
    // most the in-flight attempt is repeated; its message may have arrived already).
    const released = this.store.releaseInflight(Date.now());
    if (released > 0) this.log.warn({ event: 'queue.resume', recipients: released }, 'recipients in flight at the last stop are queued again');
    await this.collect();
    await this.spool.sweep(this.store.files(), 60_000);
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.kick();
  }

  /** Looks for due work now (after an enqueue, or from the poll timer). */
  kick(): void {
    if (this.closing) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    void this.poll()
      .catch((e: unknown) => this.log.error({ event: 'queue.error', err: e }, 'queue poll failed'))
      .finally(() => {
        this.polling = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  async stop(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    // Jobs not started yet go back untouched.
    for (const d of this.dests.values()) {
      this.store.release(d.pending.flatMap((j) => j.recipients.map((r) => r.id)));
      d.pending = [];
    }
    const all = Promise.allSettled([...this.running]);
    const grace = new Promise<'late'>((r) => setTimeout(() => r('late'), this.opts.stopGraceMs).unref());
    if ((await Promise.race([all.then(() => 'done' as const), grace])) === 'late') {
      this.log.warn({ event: 'queue.stop', active: this.active }, 'dropping deliveries still in progress; they will be retried');
      this.remote.abortAll();
      // A DNS lookup cannot be aborted: wait a little more, then leave; their rows stay in
      // flight and the next start queues them again.
      const more = new Promise<void>((r) => setTimeout(r, 1000).unref());
      await Promise.race([all, more]);
      this.dead = true;
    }
  }

  private async poll(): Promise<void> {
    await this.collect();
    const queued = [...this.dests.values()].reduce((n, d) => n + d.pending.length, 0);
    if (queued > 1000 || this.closing) return;
    const due = this.store.claimDue(Date.now(), 500);
    if (due.length === 0) return;
    const jobs = new Map<string, Job>();
    const messages = new Map<string, QueuedMessage | null>();
    for (const r of due) {
      if (!messages.has(r.queueId)) messages.set(r.queueId, this.store.message(r.queueId));
      const message = messages.get(r.queueId);
      if (!message) continue;
      const k = `${r.queueId} ${r.domain}`;
      const j = jobs.get(k) ?? { message, recipients: [], domain: r.domain };
      j.recipients.push(r);
      jobs.set(k, j);
    }
    for (const j of jobs.values()) {
      const key = await this.destKey(j.domain);
      // stop() came while we looked: these go back untouched.
      if (this.closing) {
        this.store.release(j.recipients.map((r) => r.id));
        continue;
      }
      const d = this.dests.get(key) ?? { key, pending: [], active: 0 };
      this.dests.set(key, d);
      d.pending.push(j);
    }
    this.pump();
  }

  /** Deletes messages that are done and their files. */
  private async collect(): Promise<void> {
    for (const m of this.store.takeFinished()) await this.spool.remove(m.file);
  }

  private async destKey(domain: string): Promise<string> {
    if (await this.directory.hasDomain(domain)) return 'local';
    const s = this.opts.smarthost;
    if (s && (s.domains.length === 0 || s.domains.includes(domain))) return 'smarthost';
    return `mx:${domain}`;
  }

  private pump(): void {
    for (const d of this.dests.values()) {
      while (!this.closing && d.pending.length > 0 && d.active < this.opts.perDestination && this.active < this.opts.concurrency) {
        const job = d.pending.shift()!;
        d.active++;
        this.active++;
        const p = this.run(d.key, job)
          .catch((e: unknown) => {
            if (this.dead) return;
            this.log.error({ event: 'queue.error', qid: job.message.id, err: e }, 'delivery job failed');
            // Never leave rows in flight, and back off like any temporary failure so a lasting
            // error is not retried in a tight loop.
            try {
              this.deferAll(job, '451 4.3.0 internal error; will retry');
            } catch {
              // The next start releases them.
            }
          })
          .finally(() => {
            d.active--;
            this.active--;
            this.running.delete(p);
            if (d.active === 0 && d.pending.length === 0) this.dests.delete(d.key);
            this.pump();
          });
        this.running.add(p);
      }
    }
  }

  /** The usual backoff for a recipient put back after a failure of ours; past expiry, a minute (its next attempt bounces it). */
  private retryAt(m: QueuedMessage, r: QueuedRecipient, now: number): number {
    const next = afterTemporaryFailure(this.opts.retry, m.createdAt, r.attempts + 1, now);
    return next.kind === 'retry' ? next.at : now + 60_000;
  }

  private deferAll(job: Job, reply: string): void {
    const now = Date.now();
    for (const r of job.recipients) {
      this.store.record(r.id, { kind: 'deferred', code: null, reply, host: null, nextAttemptAt: this.retryAt(job.message, r, now), delayNotified: false }, now);
    }
  }

  private async run(key: string, job: Job): Promise<void> {
    // Only a missing file is lost; any other read error (EMFILE, EIO) is retried.
    const content = await this.spool.read(job.message.file).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    });
    if (!content) {
      // Removed by `mailhaven queue remove` meanwhile, or lost: nothing left to send or return.
      this.log.error({ event: 'queue.error', qid: job.message.id, file: job.message.file }, 'queued message file is missing');
      for (const r of job.recipients) this.store.record(r.id, { kind: 'bounced', code: 550, reply: '550 5.3.0 queued message file lost', host: null }, Date.now());
      return;
    }
    let results: Map<number, RcptResult>;
    if (key === 'local') results = await this.deliverLocal(job, content);
    else {
      const dest: Destination = key === 'smarthost' ? { kind: 'smarthost', relay: this.opts.smarthost! } : { kind: 'mx', domain: job.domain };
      results = await this.remote.attempt(dest, key, job.message, job.recipients, content);
    }
    if (this.dead) return;
    await this.settle(job, results, content, key === 'local');
  }

  private async deliverLocal(job: Job, content: Buffer): Promise<Map<number, RcptResult>> {
    const out = new Map<number, RcptResult>();
    const parsed = parseMessage(content);
    // One copy per account however many of the recipients lead to it (as on the MX), while each
    // recipient still succeeds or fails on its own.
    const stored = new Set<number>();
    for (const r of job.recipients) {
      try {
        const p = parseAddress(r.address);
        if (!p.ok) throw new MailError({ code: 553, enhanced: '5.1.3', message: `<${r.address}>: Bad address syntax: ${p.reason}` });
        const planned: RecipientPlan = await this.local.planRecipient(r.address, lookupKey(p.address));
        const plan = { ...planned, targets: planned.targets.filter((t) => !stored.has(t.account.id)) };
        await this.local.deliver({ sender: job.message.sender, content, parsed, receivedAt: new Date() }, [plan]);
        for (const t of plan.targets) stored.add(t.account.id);
        out.set(r.id, { result: 'delivered', code: 250, reply: '250 2.0.0 delivered to mailbox', host: null, dsnPassedOn: false });
      } catch (e) {
        const me = e instanceof MailError ? e : new MailError({ code: 451, enhanced: '4.3.0', message: 'local delivery failed', cause: e });
        if (!(e instanceof MailError)) this.log.error({ event: 'queue.error', qid: job.message.id, err: e }, 'local delivery failed');
        out.set(r.id, { result: me.temporary ? 'temporary' : 'permanent', code: me.code, reply: `${me.code} ${me.replyText}`, status: me.enhanced, host: null, dsnPassedOn: false });
      }
      this.log.info({ event: 'queue.attempt', qid: job.message.id, sid: job.message.originSid ?? undefined, messageId: job.message.messageId, rcpts: [r.address], host: 'local', code: out.get(r.id)!.code, reply: out.get(r.id)!.reply }, 'local delivery attempt');
    }
    return out;
  }

  /** Turns attempt results into recipient states, log lines and notices. */
  private async settle(job: Job, results: Map<number, RcptResult>, content: Buffer, local: boolean): Promise<void> {
    const now = Date.now();
    const m = job.message;
    const finished: Finished[] = [];
    for (const r of job.recipients) {
      const res = results.get(r.id) ?? { result: 'temporary', code: null, reply: 'no result', host: null, dsnPassedOn: false };
      let o: Outcome;
      if (res.result === 'delivered') o = { kind: 'delivered', code: res.code ?? 250, reply: res.reply, host: res.host ?? 'local' };
      else if (res.result === 'permanent') o = { kind: 'bounced', code: res.code ?? 550, reply: res.reply, host: res.host };
      else {
        const next = afterTemporaryFailure(this.opts.retry, m.createdAt, r.attempts + 1, now);
        if (next.kind === 'expire') o = { kind: 'expired', code: res.code ?? 450, reply: res.reply, host: res.host };
        else {
          const delay = delayNoticeDue(this.opts.retry, m.createdAt, r.delayNotified, now);
          o = { kind: 'deferred', code: res.code, reply: res.reply, host: res.host, nextAttemptAt: next.at, delayNotified: delay };
        }
      }
      finished.push({ recipient: r, outcome: o, result: res, local });
    }
    // Reports first, states second: a crash in between repeats an attempt (and maybe a report)
    // instead of losing a bounce; a report that cannot be queued keeps its recipient queued.
    const unreported = await this.notices.send(m, content, finished, now);
    for (const { recipient: r, outcome, result: res } of finished) {
      const o: Outcome = unreported.has(r.id)
        ? { kind: 'deferred', code: outcome.code, reply: outcome.reply, host: outcome.host, nextAttemptAt: this.retryAt(m, r, now), delayNotified: false }
        : outcome;
      this.store.record(r.id, o, now);
      const fields = {
        qid: m.id, sid: m.originSid ?? undefined, messageId: m.messageId, from: m.sender, rcpt: r.address, host: res.host ?? (local ? 'local' : undefined),
        code: o.code, reply: o.reply, attempts: r.attempts + 1,
      };
      if (o.kind === 'deferred') this.log.info({ event: 'queue.deferred', ...fields, nextAttempt: new Date(o.nextAttemptAt).toISOString() }, 'delivery deferred');
      else this.log.info({ event: `queue.${o.kind}`, ...fields }, `recipient ${o.kind}`);
    }
  }
}
