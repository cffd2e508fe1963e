// The composition root: the only place that picks implementations and wires them together.
// The CLI and the tests start everything through here.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config/schema.ts';
import type { Logger } from './core/logger.ts';
import { openDatabase, type Db } from './db/sqlite.ts';
import { LocalDelivery } from './delivery/local-delivery.ts';
import type { Directory } from './directory/directory.ts';
import { SqliteDirectory } from './directory/sqlite-directory.ts';
import { InboundServer, type InboundKind } from './smtp/inbound-server.ts';
import { PasswordAuthenticator } from './auth/password-authenticator.ts';
import { ImapServer } from './imap/server.ts';
import { Pop3Server } from './pop3/server.ts';
import { StoreMaildrops } from './pop3/store-maildrop.ts';
import { withLimits } from './imap/limits.ts';
import { LocalChangeBus } from './store/change-bus.ts';
import { SqliteMaildirStore } from './store/sqlite-maildir/message-store.ts';
import type { ChangeBus, MessageStore } from './store/store.ts';
import { loadTlsMaterial, type TlsMaterial } from './tls/certificates.ts';
import { createResolver, type Resolver } from './dns/resolver.ts';
import type { OutboundQueue } from './queue/outbound.ts';
import { startQueue } from './queue/start.ts';

export type Services = {
  dataDir: string;
  db: Db;
  directory: Directory;
  store: MessageStore;
  bus: ChangeBus;
  close(): Promise<void>;
};

export const dataPaths = (dataDir: string) => ({
  db: path.join(dataDir, 'mailhaven.db'),
  search: path.join(dataDir, 'search.db'),
  mail: path.join(dataDir, 'mail'),
  tls: path.join(dataDir, 'tls'),
  dkim: path.join(dataDir, 'dkim'),
  queue: path.join(dataDir, 'queue'),
  srs: path.join(dataDir, 'srs.key'),
  logs: path.join(dataDir, 'logs'),
  config: path.join(dataDir, 'mailhaven.toml'),
});

/** Opens the data directory: database, directory and store. Used by `serve` and the CLI alike. */
export function openServices(dataDir: string, log: Logger): Services {
  const p = dataPaths(dataDir);
  mkdirSync(p.mail, { recursive: true, mode: 0o700 });
  const db = openDatabase(p.db);
  const bus = new LocalChangeBus();
  const directory = new SqliteDirectory(db);
  const store = new SqliteMaildirStore({ db, mailRoot: p.mail, searchFile: p.search, bus, log });
  return {
    dataDir,
    db,
    directory,
    store,
    bus,
    async close() {
      await store.close();
      db.close();
    },
  };
}

export type Service = InboundKind | 'imap' | 'imaps' | 'pop3' | 'pop3s';

export type Listening = { service: Service; address: string; port: number | null; socket?: string };

export type RunningServer = {
  services: Services;
  tls: TlsMaterial;
  resolver: Resolver;
  /** The outbound queue, for the submission listener and anything else that sends mail. */
  queue: OutboundQueue;
  listening: Listening[];
  stop(): Promise<void>;
};

export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

export async function startServer(config: Config, dataDir: string, log: Logger): Promise<RunningServer> {
  const services = openServices(dataDir, log);
  const servers: { close(): Promise<void> }[] = [];
  // Stopped after the listeners (which may still be queueing) and before the database closes.
  let queueStop: () => Promise<void> = async () => undefined;
  try {
    const resolver = createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout });
    const tls = await loadTlsMaterial({ cert: config.tls.cert, key: config.tls.key, hostname: config.hostname, tlsDir: dataPaths(dataDir).tls });
    // Messages written to a Maildir but not yet indexed when the last run stopped.
    for (const account of await services.directory.listAccounts()) await services.store.reconcile(account);

    const delivery = new LocalDelivery(
      services.directory,
      services.store,
      { subaddressSeparator: config.delivery.subaddress_separator, maxAliasDepth: config.delivery.max_alias_depth },
      log,
    );
    const queue = await startQueue({ config, dataDir, db: services.db, directory: services.directory, delivery, resolver, log: log.child({ svc: 'queue' }) });
    queueStop = queue.stop;
    const common = {
      hostname: config.hostname,
      tls: { key: tls.key, cert: tls.cert },
      maxMessageSize: config.limits.max_message_size,
      maxRecipients: config.limits.max_recipients,
      maxConnections: config.limits.max_connections,
      maxBadCommands: config.limits.max_bad_commands,
      commandTimeoutMs: config.limits.command_timeout * 1000,
      greetingDelayMs: config.limits.greeting_delay,
      maxLineLength: config.limits.max_line_length,
      maxDataLineLength: config.limits.max_data_line_length,
      delivery,
    };
    const listening: Listening[] = [];
    if (config.smtp.enabled) {
      const s = new InboundServer({ ...common, kind: 'smtp', log: log.child({ svc: 'smtp' }) });
      servers.push(s);
      listening.push(await listenOrExplain(s, 'smtp', { host: config.smtp.host, port: config.smtp.port }, '[smtp]'));
    }
    if (config.lmtp.enabled) {
      const s = new InboundServer({ ...common, kind: 'lmtp', log: log.child({ svc: 'lmtp' }) });
      servers.push(s);
      const target = config.lmtp.socket
        ? { socket: path.resolve(dataDir, config.lmtp.socket) }
        : { host: config.lmtp.host, port: config.lmtp.port };
      listening.push(await listenOrExplain(s, 'lmtp', target, '[lmtp]'));
    }
    const auth = new PasswordAuthenticator({ directory: services.directory, log: log.child({ svc: 'auth' }) });
    // Re-hashes started by logins finish before the database closes.
    servers.push({ close: () => auth.drain() });
    const imapCommon = {
      store: services.store,
      bus: services.bus,
      auth,
      quotaOf: async (id: number) => (await services.directory.getAccountById(id))?.quota ?? 0,
      limits: withLimits({ appendLimit: config.imap_limits.append_limit }),
      idleTimeoutMs: config.imap_limits.idle_timeout * 1000,
      preAuthTimeoutMs: config.imap_limits.login_timeout * 1000,
      maxBadCommands: config.limits.max_bad_commands,
      maxConnections: config.imap_limits.max_connections,
      tls: { key: tls.key, cert: tls.cert },
      log: log.child({ svc: 'imap' }),
    };
    for (const [service, section, implicitTls] of [['imap', config.imap, false], ['imaps', config.imaps, true]] as const) {
      if (!section.enabled) continue;
      const s = new ImapServer({ ...imapCommon, implicitTls });
      servers.push(s);
      listening.push(await listenOrExplain(s, service, { host: section.host, port: section.port }, `[${service}]`));
    }
    const maildrops = new StoreMaildrops(services.store, services.directory);
    for (const [service, section, implicitTls] of [['pop3', config.pop3, false], ['pop3s', config.pop3s, true]] as const) {
      if (!section.enabled) continue;
      const s = new Pop3Server({
        hostname: config.hostname,
        tls: { key: tls.key, cert: tls.cert },
        implicitTls,
        authenticator: auth,
        maildrops,
        maxBadCommands: config.limits.max_bad_commands,
        maxConnections: config.limits.max_connections,
        log: log.child({ svc: service }),
      });
      servers.push(s);
      listening.push(await listenOrExplain(s, service, { host: section.host, port: section.port }, `[${service}]`));
    }
    let stopped = false;
    return {
      services,
      tls,
      resolver,
      queue: queue.queue,
      listening,
      async stop() {
        if (stopped) return;
        stopped = true;
        await Promise.all(servers.map((s) => s.close()));
        await queueStop();
        await services.close();
      },
    };
  } catch (e) {
    await Promise.allSettled(servers.map((s) => s.close()));
    await queueStop().catch(() => undefined);
    await services.close();
    throw e;
  }
}

async function listenOrExplain(
  server: { listen(target: { host: string; port: number } | { socket: string }): Promise<AddressInfo | string> },
  service: Service,
  target: { host: string; port: number } | { socket: string },
  section: string,
): Promise<Listening> {
  const where = 'socket' in target ? target.socket : `${target.host}:${target.port}`;
  try {
    const addr = await server.listen(target);
    if (typeof addr === 'string') return { service, address: addr, port: null, socket: addr };
    return { service, address: (addr as AddressInfo).address, port: (addr as AddressInfo).port };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      throw new ListenError(
        `cannot listen on ${where} for ${service}: permission denied. Ports below 1024 need root or the ` +
          `CAP_NET_BIND_SERVICE capability (sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(which node)")"), ` +
          `or set another port in the ${section} section of the config.`,
      );
    }
    if (code === 'EADDRINUSE') {
      throw new ListenError(
        `cannot listen on ${where} for ${service}: the address is already in use by another program ` +
          `(see which with: ss -ltnp 'sport = :${'port' in target ? target.port : ''}' — often Postfix or Exim); ` +
          `stop it, or set another port in the ${section} section of the config.`,
      );
    }
    if (code === 'EADDRNOTAVAIL') {
      throw new ListenError(`cannot listen on ${where} for ${service}: this machine has no such address; fix "host" in the ${section} section.`);
    }
    throw e;
  }
}
