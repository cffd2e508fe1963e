// The messages between the main thread and the inbound SMTP worker threads (inbound-pool.ts,
// inbound-worker.ts). A worker runs whole SMTP sessions and writes message files; everything
// that reads or writes the database (who exists, quotas, the index commit) is a call to the
// main thread, which owns the one SQLite connection that writes.
import type { TlsSnapshot } from '../tls/tls-provider.ts';
import type { MailErrorInit } from '../core/mail-error.ts';
import type { InboundOptions } from './inbound-server.ts';

/** What a worker needs to run its listener; all of it structured-cloneable. */
export type InboundWorkerData = Pick<
  InboundOptions,
  'hostname' | 'maxMessageSize' | 'maxRecipients' | 'maxConnections' | 'maxBadCommands' | 'commandTimeoutMs' | 'greetingDelayMs' | 'maxLineLength' | 'maxDataLineLength'
> & {
  mailRoot: string;
  logLevel: string;
  /** null: no STARTTLS. */
  tls: TlsSnapshot | null;
  mailAuth: { dmarcReject: boolean; timeoutMs: number; dnsServers: string[]; dnsTimeoutMs: number } | null;
  listen: { host: string; port: number };
  /** The shared connection counter (ConnectionSlots); maxConnections is the limit for all threads. */
  slots: SharedArrayBuffer;
  /** This thread's cell in `slots`. */
  slot: number;
};

export type CallName = 'isLocalDomain' | 'planRecipient' | 'deliver' | 'commit';

export type ToMain =
  | { t: 'call'; id: number; fn: CallName; args: unknown[] }
  | { t: 'log'; line: string }
  | { t: 'listening'; port: number; address: string }
  | { t: 'listen-error'; message: string; code?: string }
  | { t: 'closed' };

export type CallError = { message: string; mail?: MailErrorInit };

export type ToWorker =
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: CallError }
  | { t: 'tls'; snapshot: TlsSnapshot }
  | { t: 'close' };
