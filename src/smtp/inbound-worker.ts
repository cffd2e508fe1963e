// An inbound SMTP worker thread (started by inbound-pool.ts): one smtp-server listener on the
// shared port (SO_REUSEPORT, the kernel shares connections between the threads), with the
// sessions, the message parsing, the SPF/DKIM/DMARC checks and the Maildir writes all here.
// The database stays with the main thread (worker-delivery.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { threadLogger } from '../core/thread-log.ts';
import { TlsProvider } from '../tls/tls-provider.ts';
import { ConnectionSlots } from './connection-slots.ts';
import { InboundServer } from './inbound-server.ts';
import type { InboundWorkerData, ToMain, ToWorker } from './inbound-thread-protocol.ts';
import { MainThreadCalls, WorkerDelivery } from './worker-delivery.ts';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('inbound-worker.ts runs as a worker thread');
  const data = workerData as InboundWorkerData;
  const post = (m: ToMain) => port.postMessage(m);
  const log = threadLogger(data.logLevel, (line) => post({ t: 'log', line })).child({ svc: 'smtp' });
  const calls = new MainThreadCalls(port);

  let provider: TlsProvider | null = null;
  if (data.tls) {
    provider = new TlsProvider({ hostname: data.hostname, log: threadLogger('silent', () => {}) });
    provider.restore(data.tls);
  }
  let mailAuth = null;
  if (data.mailAuth) {
    // Loaded only when on: mailauth is a large module to start in every thread.
    const [{ InboundAuthChecker }, { createResolver }] = await Promise.all([import('./inbound-auth.ts'), import('../dns/resolver.ts')]);
    const resolver = createResolver({ servers: data.mailAuth.dnsServers, timeoutMs: data.mailAuth.dnsTimeoutMs });
    mailAuth = new InboundAuthChecker({ hostname: data.hostname, resolver, dmarcReject: data.mailAuth.dmarcReject, timeoutMs: data.mailAuth.timeoutMs, log });
  }
  const server = new InboundServer({
    kind: 'smtp',
    hostname: data.hostname,
    tls: provider ? provider.forListener('smtp') : null,
    maxMessageSize: data.maxMessageSize,
    maxRecipients: data.maxRecipients,
    maxConnections: data.maxConnections,
    maxBadCommands: data.maxBadCommands,
    commandTimeoutMs: data.commandTimeoutMs,
    greetingDelayMs: data.greetingDelayMs,
    maxLineLength: data.maxLineLength,
    maxDataLineLength: data.maxDataLineLength,
    delivery: new WorkerDelivery(calls, data.mailRoot),
    mailAuth,
    slots: new ConnectionSlots(data.slots, data.slot, data.maxConnections),
    log,
  });

  port.on('message', (m: ToWorker) => {
    if (calls.handle(m)) return;
    if (m.t === 'tls') provider?.restore(m.snapshot);
    else if (m.t === 'close') {
      void server.close().finally(() => {
        post({ t: 'closed' });
        port.close();
      });
    }
  });

  try {
    const addr = (await server.listen({ ...data.listen, reusePort: true })) as AddressInfo;
    post({ t: 'listening', port: addr.port, address: addr.address });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    post({ t: 'listen-error', message: err.message, code: err.code });
  }
}

void main();
