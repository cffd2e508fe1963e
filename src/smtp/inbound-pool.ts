// Inbound SMTP (MX) in worker threads: one process, N threads, each with its own smtp-server on
// the same port (SO_REUSEPORT). The protocol, parsing, checks and file writes of a message — all
// the CPU a message costs except its index row — then run on every core, while this thread
// keeps the database: it answers the workers' recipient checks and commits their messages.
import net, { type AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.ts';
import { MailError } from '../core/mail-error.ts';
import { relayLogLine } from '../core/thread-log.ts';
import type { Incoming, LocalDelivery, RecipientPlan } from '../delivery/local-delivery.ts';
import type { ParsedMessage } from '../mime/types.ts';
import type { TlsProvider } from '../tls/tls-provider.ts';
import { ConnectionSlots } from './connection-slots.ts';
import type { CallError, InboundWorkerData, ToMain, ToWorker } from './inbound-thread-protocol.ts';

export type InboundPoolOptions = {
  threads: number;
  delivery: LocalDelivery;
  /** The certificates for STARTTLS (copied to each thread, and again on every change); null: none. */
  tls: TlsProvider | null;
  log: Logger;
  /** Everything but the listen address and the certificates. */
  worker: Omit<InboundWorkerData, 'listen' | 'tls' | 'slots' | 'slot'>;
};

type Thread = { worker: Worker; slot: number; listening: boolean; closed: Promise<void>; exited: Promise<void> };

/** How long close() waits for a thread to finish its messages before stopping it anyway. */
const CLOSE_WAIT_MS = 15_000;

/** Structured cloning turns a Buffer into a plain Uint8Array; the store wants Buffers. */
const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class InboundPool {
  private readonly opts: InboundPoolOptions;
  private readonly threads: Thread[] = [];
  private detachTls: () => void = () => {};
  private closing = false;
  /** Where the threads listen (the port picked when 0 was asked): a replacement thread joins it. */
  private bound: { host: string; port: number } | null = null;
  /** Calls being answered: close() waits for them, so no commit runs into a closed database. */
  private readonly answering = new Set<Promise<void>>();
  private readonly slots = ConnectionSlots.buffer();

  constructor(opts: InboundPoolOptions) {
    this.opts = opts;
  }

  /**
   * Binds the port once here first, without SO_REUSEPORT, so that a port held by another
   * program — or by another Mailhaven, whose threads share ports — fails as it would without
   * threads; then starts the threads on it, one after the other. (Releasing the probe and
   * binding again leaves a moment in which another program could take the port; it then
   * fails at start, as it would have a moment earlier.)
   */
  async listen(target: { host: string; port: number }): Promise<AddressInfo> {
    // Port 0 (tests) needs no probe: the kernel picks a port no one holds, for the first thread.
    const port = target.port === 0 ? 0 : await probe(target);
    const addr = await this.start({ host: target.host, port }, 0);
    this.bound = { host: target.host, port: addr.port };
    for (let i = 1; i < this.opts.threads; i++) await this.start({ host: target.host, port: addr.port }, i);
    if (this.opts.tls) {
      const tls = this.opts.tls;
      this.detachTls = tls.onChange(() => {
        for (const t of this.threads) t.worker.postMessage({ t: 'tls', snapshot: tls.snapshot() } satisfies ToWorker);
      });
    }
    return addr;
  }

  /** Each thread stops accepting, finishes the messages it is storing, closes its sessions. */
  async close(): Promise<void> {
    this.closing = true;
    this.detachTls();
    for (const t of this.threads) t.worker.postMessage({ t: 'close' } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)));
    await Promise.all(this.threads.map((t) => Promise.race([t.closed, t.exited, late])));
    clearTimeout(timer);
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
    await Promise.allSettled([...this.answering]);
  }

  private start(listen: { host: string; port: number }, slot: number): Promise<AddressInfo> {
    const data: InboundWorkerData = { ...this.opts.worker, listen, slots: this.slots, slot, tls: this.opts.tls ? this.opts.tls.snapshot() : null };
    const worker = new Worker(new URL('./inbound-worker.ts', import.meta.url), { workerData: data });
    let closed: () => void = () => {};
    let exited: () => void = () => {};
    const thread: Thread = { worker, slot, listening: false, closed: new Promise((r) => (closed = r)), exited: new Promise((r) => (exited = r)) };
    this.threads.push(thread);
    return new Promise<AddressInfo>((resolve, reject) => {
      worker.on('message', (m: ToMain) => {
        switch (m.t) {
          case 'call':
            this.track(this.answer(worker, m.id, m.fn, m.args));
            break;
          case 'log':
            relayLogLine(this.opts.log, m.line);
            break;
          case 'listening':
            thread.listening = true;
            resolve({ address: m.address, port: m.port, family: net.isIPv6(m.address) ? 'IPv6' : 'IPv4' });
            break;
          case 'listen-error':
            reject(Object.assign(new Error(m.message), { code: m.code }));
            void worker.terminate();
            break;
          case 'closed':
            closed();
            break;
        }
      });
      worker.on('error', (e) => {
        this.opts.log.error({ event: 'smtp.thread_error', err: e }, 'an SMTP thread failed');
        reject(e);
      });
      worker.on('exit', (code) => {
        exited();
        reject(new Error('SMTP thread exited before listening'));
        const i = this.threads.indexOf(thread);
        if (i >= 0) this.threads.splice(i, 1);
        ConnectionSlots.clear(this.slots, slot);
        // Only a thread that was serving is replaced; one that never listened failed start-up.
        if (this.closing || !thread.listening) return;
        // A thread that died (a bug, not a client: sessions cannot throw out of smtp-server)
        // takes its open sessions with it; the others keep the port. Start a new one.
        this.opts.log.error({ event: 'smtp.thread_exit', code }, 'an SMTP thread stopped; starting another');
        setTimeout(() => {
          if (!this.closing) this.start(this.bound ?? listen, slot).catch((e: Error) => this.opts.log.error({ event: 'smtp.thread_restart_failed', err: e.message }, 'could not restart an SMTP thread'));
        }, 1000).unref();
      });
    });
  }

  private track(p: Promise<void>): void {
    this.answering.add(p);
    void p.finally(() => this.answering.delete(p));
  }

  private async answer(worker: Worker, id: number, fn: string, args: unknown[]): Promise<void> {
    const d = this.opts.delivery;
    let reply: ToWorker;
    try {
      let value: unknown;
      switch (fn) {
        case 'isLocalDomain':
          value = await d.isLocalDomain(args[0] as string);
          break;
        case 'planRecipient':
          value = await d.planRecipient(args[0] as string, args[1] as string);
          break;
        case 'deliver': {
          const msg = args[0] as Incoming;
          value = await d.deliver({ ...msg, content: asBuffer(msg.content) }, args[1] as RecipientPlan[]);
          break;
        }
        case 'commit': {
          const msg = args[0] as { sender: string; parsed: ParsedMessage; receivedAt: Date; size: number };
          value = await d.commitPlaced(msg, args[1] as RecipientPlan[], args[2] as { file: string; size: number }[]);
          break;
        }
        default:
          throw new Error(`unknown call ${fn}`);
      }
      reply = { t: 'reply', id, ok: true, value };
    } catch (e) {
      const error: CallError =
        e instanceof MailError ? { message: e.message, mail: { code: e.code, enhanced: e.enhanced, message: e.message } } : { message: e instanceof Error ? e.message : String(e) };
      reply = { t: 'reply', id, ok: false, error };
    }
    worker.postMessage(reply);
  }
}

/** Binds and releases the address; resolves the port (the one picked when `port` is 0). */
function probe(target: { host: string; port: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(target.port, target.host, () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
