// Delivery as an inbound SMTP worker thread does it: recipient checks and the index commit are
// calls to the main thread; the message files are written here, so the bytes never cross
// threads. Deliveries that involve the outbound queue (forwards, SRS returns) or a folder that
// is not there yet are handed to the main thread whole.
import type { MessagePort } from 'node:worker_threads';
import { MailError } from '../core/mail-error.ts';
import { localCopies, needsQueue, type Incoming, type RecipientPlan } from '../delivery/local-delivery.ts';
import type { PlacedCopy, Stored } from '../store/store.ts';
import { DirSyncer } from '../store/sqlite-maildir/durable-fs.ts';
import { placeAll } from '../store/sqlite-maildir/place-copy.ts';
import type { InboundDelivery } from './inbound-server.ts';
import type { CallName, ToMain, ToWorker } from './inbound-thread-protocol.ts';

const HOSTED_TTL_MS = 5000;

type Waiting = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** Calls into the main thread over the worker's port; a MailError comes back as one. */
export class MainThreadCalls {
  private readonly port: MessagePort;
  private readonly waiting = new Map<number, Waiting>();
  private seq = 0;

  constructor(port: MessagePort) {
    this.port = port;
  }

  call<T>(fn: CallName, args: unknown[]): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage({ t: 'call', id, fn, args } satisfies ToMain);
    });
  }

  /** Settles the call a reply answers; false when the message is not a reply. */
  handle(m: ToWorker): boolean {
    if (m.t !== 'reply') return false;
    const w = this.waiting.get(m.id);
    if (!w) return true;
    this.waiting.delete(m.id);
    if (m.ok) w.resolve(m.value);
    else w.reject(m.error.mail ? new MailError(m.error.mail) : new Error(m.error.message));
    return true;
  }
}

export class WorkerDelivery implements InboundDelivery {
  private readonly main: MainThreadCalls;
  private readonly mailRoot: string;
  private readonly syncer = new DirSyncer();
  private readonly hosted = new Map<string, number>();

  constructor(main: MainThreadCalls, mailRoot: string) {
    this.main = main;
    this.mailRoot = mailRoot;
  }

  /**
   * Hosted domains are remembered for a few seconds, saving a call per message. A domain removed
   * meanwhile is still refused: planRecipient, always asked, finds no such domain.
   */
  async isLocalDomain(domain: string): Promise<boolean> {
    const now = Date.now();
    if ((this.hosted.get(domain) ?? 0) > now) return true;
    const local = await this.main.call<boolean>('isLocalDomain', [domain]);
    if (local) {
      if (this.hosted.size >= 1000) this.hosted.clear();
      this.hosted.set(domain, now + HOSTED_TTL_MS);
    }
    return local;
  }

  planRecipient(address: string, key: string): Promise<RecipientPlan> {
    return this.main.call('planRecipient', [address, key]);
  }

  async deliver(msg: Incoming, plans: RecipientPlan[]): Promise<Stored[]> {
    if (needsQueue(plans)) return this.main.call('deliver', [msg, plans]);
    const copies = localCopies(msg.sender, plans);
    if (copies.length === 0) return [];
    let placed: PlacedCopy[];
    try {
      placed = await placeAll(this.mailRoot, copies.map((c) => c.target), msg.content, this.syncer);
    } catch (e) {
      // A folder missing on disk: the main thread's store creates it as it delivers.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.main.call('deliver', [msg, plans]);
      throw e;
    }
    const files = placed.map((p) => ({ file: p.file, size: p.size }));
    return this.main.call('commit', [{ sender: msg.sender, parsed: msg.parsed, receivedAt: msg.receivedAt, size: msg.content.length }, plans, files]);
  }
}
