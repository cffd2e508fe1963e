// Assembles the outbound queue from the config for main.ts: store, spool, SRS, the remote
// SMTP side, notices and the runner, and hands local delivery the forwarding it needs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import type { Db } from '../db/sqlite.ts';
import type { LocalDelivery } from '../delivery/local-delivery.ts';
import type { Directory } from '../directory/directory.ts';
import type { Resolver } from '../dns/resolver.ts';
import { ConnectionCache } from './connection-cache.ts';
import { MtaSts } from './mta-sts.ts';
import { Notices } from './notices.ts';
import type { OutboundQueue } from './outbound.ts';
import { QueueService } from './queue-service.ts';
import { RemoteDelivery, type Smarthost } from './remote-delivery.ts';
import type { RetryPolicy } from './retry.ts';
import { QueueRunner } from './runner.ts';
import type { TlsMode } from './smtp-client.ts';
import { Spool } from './spool.ts';
import { Srs } from './srs.ts';
import { QueueStore } from './store.ts';

export type StartedQueue = { queue: OutboundQueue; stop(): Promise<void> };

export function retryPolicy(q: Config['queue']): RetryPolicy {
  return {
    initialMs: q.retry_initial * 1000,
    factor: q.retry_factor,
    maxMs: q.retry_max * 1000,
    lifetimeMs: q.max_lifetime * 1000,
    delayNoticeMs: q.delay_notice * 1000,
  };
}

/** The smarthost of the config, with its password read from the file or the environment. */
export function smarthostOf(c: Config['smarthost'], dataDir: string): (Smarthost & { domains: string[] }) | null {
  if (!c.host) return null;
  const tls: Record<Config['smarthost']['tls'], TlsMode> = { starttls: 'required', implicit: 'implicit', opportunistic: 'opportunistic', none: 'none' };
  let auth: Smarthost['auth'];
  if (c.username) {
    let pass: string | undefined;
    if (c.password_file) pass = readFileSync(path.resolve(dataDir, c.password_file), 'utf8').split(/\r?\n/)[0];
    else if (c.password_env) pass = process.env[c.password_env];
    if (!pass) throw new Error(`[smarthost] username is set but no password: set password_file (or password_env to a variable that is set)`);
    auth = { user: c.username, pass };
  }
  return { host: c.host, port: c.port, tls: tls[c.tls], verifyCertificate: c.verify_certificate, auth, domains: c.domains.map((d) => d.toLowerCase()) };
}

export async function startQueue(d: { config: Config; dataDir: string; db: Db; directory: Directory; delivery: LocalDelivery; resolver: Resolver; log: Logger }): Promise<StartedQueue> {
  const q = d.config.queue;
  const store = new QueueStore(d.db);
  const spool = new Spool(path.join(d.dataDir, 'queue'));
  const service = new QueueService(store, spool, d.log);
  d.delivery.enableForwarding({ queue: service, srs: Srs.fromFile(path.join(d.dataDir, 'srs.key')), hostname: d.config.hostname });
  const retry = retryPolicy(q);
  const cache = new ConnectionCache(q.idle_reuse * 1000);
  const remote = new RemoteDelivery(
    d.resolver,
    cache,
    { heloName: d.config.hostname, port: q.port, connectTimeoutMs: q.connect_timeout * 1000, commandTimeoutMs: q.command_timeout * 1000, requireTls: q.require_tls },
    d.log,
    q.mta_sts ? new MtaSts(d.resolver, d.log) : null,
  );
  const runner = new QueueRunner(
    { store, spool, directory: d.directory, local: d.delivery, remote, notices: new Notices(service, d.config.hostname, retry, d.log), log: d.log },
    {
      retry,
      concurrency: q.concurrency,
      perDestination: q.concurrency_per_destination,
      pollMs: q.poll_interval * 1000,
      smarthost: smarthostOf(d.config.smarthost, d.dataDir),
      stopGraceMs: 5000,
    },
  );
  service.onEnqueued = () => runner.kick();
  await runner.start();
  return {
    queue: service,
    async stop() {
      await runner.stop();
      cache.closeAll();
    },
  };
}
