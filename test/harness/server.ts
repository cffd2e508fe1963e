// Starts the real server in this process on 127.0.0.1 with ephemeral ports and a temp data
// directory, and offers the few set-up steps tests need (domains, users, aliases).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { silentLogger, type Logger } from '../../src/core/logger.ts';
import { hashPassword } from '../../src/directory/passwords.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/main.ts';

export type TestServer = {
  dataDir: string;
  config: Config;
  server: RunningServer;
  smtpPort: number;
  lmtpPort: number | null;
  /** 587-style (STARTTLS) and 465-style (implicit TLS) submission listeners. */
  submissionPort: number;
  submissionsPort: number;
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
  httpPort: number;
  httpsPort: number;
  addDomain(d: string): Promise<void>;
  addUser(address: string, opts?: { password?: string; quota?: number }): Promise<number>;
  addAlias(source: string, ...destinations: string[]): Promise<void>;
  /** Files in new/ and cur/ of an account's folder, with their contents. */
  maildir(address: string, folder?: string): Promise<{ name: string; content: string }[]>;
  stop(): Promise<void>;
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `options.log`: a logger to see the server's lines (default: silent). */
export async function startTestServer(overrides: DeepPartial<Config> = {}, dataDir?: string, options: StartOptions & { log?: Logger } = {}): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'mailhaven-test-')));
  const o = overrides as Record<string, Record<string, unknown> | string>;
  const section = (k: string, base: Record<string, unknown>) => ({ ...base, ...((o[k] as Record<string, unknown>) ?? {}) });
  const config = configSchema.parse({
    ...o,
    hostname: (o.hostname as string) ?? 'mx.test.example',
    // One MX thread: every test goes through the threaded path (a thread costs ~0.2 s to start);
    // smtp-threads.test.ts runs two, and none.
    smtp: section('smtp', { host: '127.0.0.1', port: 0, threads: 1 }),
    lmtp: section('lmtp', { host: '127.0.0.1', port: 0 }),
    submission: section('submission', { host: '127.0.0.1', port: 0 }),
    submissions: section('submissions', { host: '127.0.0.1', port: 0 }),
    // Off unless a test asks: without a test DNS server every MX message would wait on real DNS.
    mail_auth: section('mail_auth', { enabled: false }),
    imap: section('imap', { host: '127.0.0.1', port: 0 }),
    imaps: section('imaps', { host: '127.0.0.1', port: 0 }),
    pop3: section('pop3', { host: '127.0.0.1', port: 0 }),
    pop3s: section('pop3s', { host: '127.0.0.1', port: 0 }),
    http: section('http', { host: '127.0.0.1', port: 0 }),
    https: section('https', { host: '127.0.0.1', port: 0 }),
    // The daily DNS check would ask the real DNS; tests that want it turn it on.
    dns_check: section('dns_check', { enabled: false }),
    log: section('log', { level: 'silent', file: false }),
  });
  const server = await startServer(config, dir, options.log ?? silentLogger(), options).catch(async (e: unknown) => {
    // A start that fails (a test of a port in use, say) leaves no directory of ours behind.
    if (!dataDir) await rm(dir, { recursive: true, force: true });
    throw e;
  });
  const port = (svc: string) => server.listening.find((l) => l.service === svc)?.port ?? null;
  const { directory, store } = server.services;
  return {
    dataDir: dir,
    config,
    server,
    smtpPort: port('smtp') ?? 0,
    lmtpPort: port('lmtp'),
    submissionPort: port('submission') ?? 0,
    submissionsPort: port('submissions') ?? 0,
    imapPort: port('imap') ?? 0,
    imapsPort: port('imaps') ?? 0,
    pop3Port: port('pop3') ?? 0,
    pop3sPort: port('pop3s') ?? 0,
    httpPort: port('http') ?? 0,
    httpsPort: port('https') ?? 0,
    async addDomain(d) {
      await directory.addDomain(d);
    },
    async addUser(address, opts = {}) {
      const at = address.lastIndexOf('@');
      const acc = await directory.addAccount({
        local: address.slice(0, at),
        domain: address.slice(at + 1),
        passwordHash: await hashPassword(opts.password ?? 'secret'),
        quota: opts.quota ?? 0,
      });
      await store.createAccount(acc);
      return acc.id;
    },
    async addAlias(source, ...destinations) {
      for (const d of destinations) await directory.addAlias(source, d);
    },
    async maildir(address, folder = '') {
      const at = address.lastIndexOf('@');
      const root = path.join(dir, 'mail', address.slice(at + 1), address.slice(0, at), folder);
      const out: { name: string; content: string }[] = [];
      for (const sub of ['new', 'cur']) {
        for (const name of await readdir(path.join(root, sub)).catch(() => [] as string[])) {
          out.push({ name: `${sub}/${name}`, content: await readFile(path.join(root, sub, name), 'latin1') });
        }
      }
      return out;
    },
    async stop() {
      await server.stop();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
