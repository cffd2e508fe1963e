// The composition root: the only place that picks implementations and wires them together.
// The CLI and the tests start everything through here.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Config } from './config/schema.ts';
import type { Logger } from './core/logger.ts';
import { openDatabase, type Db } from './db/sqlite.ts';
import { LocalDelivery } from './delivery/local-delivery.ts';
import type { Directory } from './directory/directory.ts';
import { SqliteDirectory } from './directory/sqlite-directory.ts';
import { InboundServer, type InboundKind } from './smtp/inbound-server.ts';
import { InboundPool } from './smtp/inbound-pool.ts';
import { PasswordAuthenticator } from './auth/password-authenticator.ts';
import { ImapServer } from './imap/server.ts';
import { Pop3Server } from './pop3/server.ts';
import { StoreMaildrops } from './pop3/store-maildrop.ts';
import type { AcmeChallenges } from './tls/acme-challenges.ts';
import { WebServer, type WebTls } from './http/web-server.ts';
import { clientEndpoints } from './setup/client-settings.ts';
import { mtaStsPolicy } from './setup/mta-sts.ts';
import { scheduleDnsCheck } from './setup/daily-check.ts';
import { DkimKeyStore } from './dkim/key-store.ts';
import { withLimits } from './imap/limits.ts';
import { LocalChangeBus } from './store/change-bus.ts';
import { SqliteMaildirStore } from './store/sqlite-maildir/message-store.ts';
import type { ChangeBus, MessageStore } from './store/store.ts';
import { startTls, type TlsService } from './tls/tls-service.ts';
import { createResolver, type Resolver } from './dns/resolver.ts';
import { DkimSigner } from './dkim/signer.ts';
import { isLoopback } from './core/net.ts';
import type { OutboundQueue } from './queue/outbound.ts';
import { startQueue } from './queue/start.ts';
import { InboundAuthChecker } from './smtp/inbound-auth.ts';
import { SendRateLimiter } from './smtp/send-rate-limiter.ts';
import { SubmissionServer } from './smtp/submission-server.ts';

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

export type Service = InboundKind | 'submission' | 'submissions' | 'imap' | 'imaps' | 'pop3' | 'pop3s' | 'http' | 'https';

export type Listening = { service: Service; address: string; port: number | null; socket?: string };

export type RunningServer = {
  services: Services;
  /** Certificates: `tls.provider.forListener(name)` is what a TLS listener takes; `tls.challenges` the pending ACME challenges. */
  tls: TlsService;
  resolver: Resolver;
  /** The outbound queue, for the submission listener and anything else that sends mail. */
  queue: OutboundQueue;
  listening: Listening[];
  /** Pending ACME challenges, answered by the web listeners (HTTP-01) and set by the ACME client. */
  acme: AcmeChallenges;
  stop(): Promise<void>;
};

export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

export type StartOptions = {
  /** Test knobs: ACME poll and backoff timers. */
  acmeTimers?: Parameters<typeof startTls>[0]['acmeTimers'];
};

export async function startServer(config: Config, dataDir: string, log: Logger, options: StartOptions = {}): Promise<RunningServer> {
  const services = openServices(dataDir, log);
  const servers: { close(): Promise<void> }[] = [];
  let tls: TlsService | null = null;
  // Stopped after the listeners (which may still be queueing) and before the database closes.
  let queueStop: () => Promise<void> = async () => undefined;
  try {
    const resolver = createResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeout });
    tls = await startTls({ config, dataDir, tlsDir: dataPaths(dataDir).tls, listDomains: () => services.directory.listDomains(), log, acmeTimers: options.acmeTimers });
    const certs = tls.provider;
    // Messages written to a Maildir but not yet indexed when the last run stopped.
    const accounts = await services.directory.listAccounts();
    for (const account of accounts) await services.store.reconcile(account);
    services.store.warm?.(accounts);

    const delivery = new LocalDelivery(
      services.directory,
      services.store,
      { subaddressSeparator: config.delivery.subaddress_separator, maxAliasDepth: config.delivery.max_alias_depth },
      log,
    );
    // Every hosted domain signs with its own DKIM keys; domains from before DKIM get theirs now.
    const dkimKeys = new DkimKeyStore(dataPaths(dataDir).dkim);
    for (const d of await services.directory.listDomains()) {
      if (dkimKeys.list(d).length === 0) {
        dkimKeys.ensure(d);
        log.info({ event: 'dkim.keys-made', domain: d }, 'DKIM keys made; publish them: mailhaven dkim record ' + d);
      }
    }
    const outbound = await startQueue({ config, dataDir, db: services.db, directory: services.directory, delivery, resolver, log: log.child({ svc: 'queue' }) });
    queueStop = outbound.stop;
    const queue = outbound.queue;
    // The MX's checker when it runs in this thread (with [smtp] threads each thread makes its own).
    const mailAuth = config.mail_auth.enabled && smtpThreads(config.smtp.threads) === 0
      ? new InboundAuthChecker({
          hostname: config.hostname,
          resolver,
          dmarcReject: config.mail_auth.dmarc_reject,
          timeoutMs: config.mail_auth.timeout,
          log: log.child({ svc: 'smtp' }),
        })
      : null;
    const common = {
      hostname: config.hostname,
      maxMessageSize: config.limits.max_message_size,
      maxRecipients: config.limits.max_recipients,
      maxConnections: config.limits.max_connections,
      maxBadCommands: config.limits.max_bad_commands,
      commandTimeoutMs: config.limits.command_timeout * 1000,
      greetingDelayMs: config.limits.greeting_delay,
      maxLineLength: config.limits.max_line_length,
      maxDataLineLength: config.limits.max_data_line_length,
    };
    const listening: Listening[] = [];
    if (config.smtp.enabled) {
      const threads = smtpThreads(config.smtp.threads);
      const s =
        threads > 0
          ? new InboundPool({
              threads,
              delivery,
              tls: certs,
              log: log.child({ svc: 'smtp' }),
              worker: {
                ...common,
                mailRoot: dataPaths(dataDir).mail,
                logLevel: log.level,
                mailAuth: config.mail_auth.enabled
                  ? { dmarcReject: config.mail_auth.dmarc_reject, timeoutMs: config.mail_auth.timeout, dnsServers: config.dns.servers, dnsTimeoutMs: config.dns.timeout }
                  : null,
              },
            })
          : new InboundServer({ ...common, delivery, kind: 'smtp', tls: certs.forListener('smtp'), mailAuth, log: log.child({ svc: 'smtp' }) });
      servers.push(s);
      listening.push(await listenOrExplain(s, 'smtp', { host: config.smtp.host, port: config.smtp.port }, '[smtp]'));
    }
    if (config.lmtp.enabled) {
      const s = new InboundServer({ ...common, delivery, kind: 'lmtp', tls: certs.forListener('lmtp'), log: log.child({ svc: 'lmtp' }) });
      servers.push(s);
      const target = config.lmtp.socket
        ? { socket: path.resolve(dataDir, config.lmtp.socket) }
        : { host: config.lmtp.host, port: config.lmtp.port };
      listening.push(await listenOrExplain(s, 'lmtp', target, '[lmtp]'));
    }
    const auth = new PasswordAuthenticator({ directory: services.directory, log: log.child({ svc: 'auth' }) });
    // Re-hashes started by logins finish before the database closes.
    servers.push({ close: () => auth.drain() });
    const limiter = new SendRateLimiter(
      {
        accountMessages: config.submission_limits.account_messages_per_hour,
        accountRecipients: config.submission_limits.account_recipients_per_hour,
        ipMessages: config.submission_limits.ip_messages_per_hour,
        ipRecipients: config.submission_limits.ip_recipients_per_hour,
      },
      { exemptIp: isLoopback },
    );
    const signer = new DkimSigner(dkimKeys, (d) => services.directory.hasDomain(d), log.child({ svc: 'dkim' }));
    for (const [service, section, implicitTls] of [['submission', config.submission, false], ['submissions', config.submissions, true]] as const) {
      if (!section.enabled) continue;
      const loopbackPlain = config.submission.loopback_plaintext_auth;
      const s = new SubmissionServer({
        hostname: config.hostname,
        tls: certs.forListener(service),
        implicitTls,
        plaintextAuthAllowed: (ip) => loopbackPlain && isLoopback(ip),
        maxMessageSize: config.limits.max_message_size,
        maxRecipients: config.limits.max_recipients,
        maxConnections: config.limits.max_connections,
        maxBadCommands: config.limits.max_bad_commands,
        commandTimeoutMs: config.limits.command_timeout * 1000,
        maxLineLength: config.limits.max_line_length,
        maxDataLineLength: config.limits.max_data_line_length,
        directory: services.directory,
        identity: { subaddressSeparator: config.delivery.subaddress_separator, maxAliasDepth: config.delivery.max_alias_depth },
        auth,
        queue,
        signer,
        limiter,
        log: log.child({ svc: service }),
      });
      servers.push(s);
      listening.push(await listenOrExplain(s, service, { host: section.host, port: section.port }, `[${service}]`));
    }
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
      log: log.child({ svc: 'imap' }),
      hostname: config.hostname,
      accountOf: (address: string) => services.directory.getAccount(address),
    };
    for (const [service, section, implicitTls] of [['imap', config.imap, false], ['imaps', config.imaps, true]] as const) {
      if (!section.enabled) continue;
      const s = new ImapServer({ ...imapCommon, implicitTls, tls: certs.forListener(service, { alpn: ['imap'] }) });
      servers.push(s);
      listening.push(await listenOrExplain(s, service, { host: section.host, port: section.port }, `[${service}]`));
    }
    // The web listeners (certificates: the HTTPS listener's; HSTS only with a trusted certificate)
    // and the daily DNS check.
    const acme = tls.challenges;
    await startWebAndDnsCheck(config, dataDir, { services, resolver, acme, listening, servers, log }, {
      tls: certs.forListener('https', { alpn: ['http/1.1'] }),
      hsts: () => certs.defaultCertificate().source !== 'self-signed',
    });
    const maildrops = new StoreMaildrops(services.store, services.directory);
    for (const [service, section, implicitTls] of [['pop3', config.pop3, false], ['pop3s', config.pop3s, true]] as const) {
      if (!section.enabled) continue;
      const s = new Pop3Server({
        hostname: config.hostname,
        tls: certs.forListener(service, { alpn: ['pop3'] }),
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
    // After the listeners: a TLS-ALPN-01 validation may arrive on one of them.
    await tls.acme?.start();
    let stopped = false;
    return {
      services,
      tls,
      resolver,
      acme,
      queue,
      listening,
      async stop() {
        if (stopped) return;
        stopped = true;
        tls?.stop();
        await Promise.all(servers.map((s) => s.close()));
        await queueStop();
        await services.close();
      },
    };
  } catch (e) {
    tls?.stop();
    await Promise.allSettled(servers.map((s) => s.close()));
    await queueStop().catch(() => undefined);
    await services.close();
    throw e;
  }
}

/**
 * `[smtp] threads`: "auto" is none below 4 CPUs and one per two CPUs above, at most 8. Measured
 * on 2 CPUs, threads lost: a delivery's kernel work (file creation, syncs), the search index and
 * the load itself already keep both CPUs busy, and the hand-offs between threads cost more CPU
 * than a second session thread gave.
 */
export function smtpThreads(setting: 'auto' | number): number {
  if (setting !== 'auto') return setting;
  const cpus = os.availableParallelism();
  return cpus < 4 ? 0 : Math.min(Math.floor(cpus / 2), 8);
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

type Running = { services: Services; resolver: Resolver; acme: AcmeChallenges; listening: Listening[]; servers: { close(): Promise<void> }[]; log: Logger };

async function startWebAndDnsCheck(config: Config, dataDir: string, r: Running, web: { tls: WebTls; hsts: () => boolean }): Promise<void> {
  const { services, listening, log } = r;
  // Ports clients are told about: the configured ones, or what port 0 (tests) turned into.
  const actualPorts = () =>
    Object.fromEntries(listening.filter((l) => l.port !== null && (config[l.service as keyof Config] as { port?: number })?.port === 0).map((l) => [l.service, l.port as number]));
  const deps = {
    hostname: config.hostname,
    directory: services.directory,
    acme: r.acme,
    endpoints: () => clientEndpoints(config, actualPorts()),
    mtaStsPolicy: () => (config.mta_sts.mode === 'none' ? null : mtaStsPolicy(config)),
    httpsPort: () => actualPorts().https ?? config.https.port,
    hsts: web.hsts,
  };
  for (const [service, section] of [['http', config.http], ['https', config.https]] as const) {
    if (!section.enabled) continue;
    const s = new WebServer({ ...deps, tls: service === 'https' ? web.tls : undefined, log: log.child({ svc: service }) });
    r.servers.push(s);
    listening.push(await listenOrExplain(s, service, { host: section.host, port: section.port }, `[${service}]`));
  }
  if (config.dns_check.enabled) {
    const check = scheduleDnsCheck({ config, directory: services.directory, resolver: r.resolver, dkim: new DkimKeyStore(dataPaths(dataDir).dkim), log: log.child({ svc: 'dns-check' }) });
    r.servers.push({ close: async () => check.stop() });
  }
}
