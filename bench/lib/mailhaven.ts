/**
 * The Mailhaven side: `mailhaven serve` on a fresh data directory, with the domain and the
 * account added by the CLI first, listening for SMTP (or, for the IMAP benchmark, IMAP) on a
 * free loopback port; every other listener is turned off.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRunDir, removeRunDir } from './files.ts';
import type { RunDirOptions } from './files.ts';
import { IMAP_GREETING, SMTP_GREETING, freePort, waitForGreeting } from './port.ts';
import { readPeakRss, run, stopPid, tailOf } from './proc.ts';
import type { Mailbox, MaildirServer } from './server.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const MAILHAVEN_CLI = path.join(REPO, 'src', 'cli', 'main.ts');

/** The password the account gets. */
export const MAILHAVEN_PASSWORD = 'secret';

/** A running Mailhaven: a MaildirServer and the pid of its one process. */
export interface MailhavenServer extends MaildirServer {
  readonly pid: number | undefined;
}

/**
 * Starts Mailhaven with `mailbox` as its one account (password MAILHAVEN_PASSWORD); resolves
 * once it greets on `protocol` (default SMTP), the one listener it runs.
 */
export async function startMailhaven(
  mailbox: Mailbox,
  dirs: RunDirOptions,
  protocol: 'smtp' | 'imap' = 'smtp',
  settings: { smtpThreads?: number } = {},
): Promise<MailhavenServer> {
  if (!fs.existsSync(MAILHAVEN_CLI)) throw new Error(`${MAILHAVEN_CLI} does not exist (yet)`);
  const dir = makeRunDir(dirs, 'mailhaven');
  const data = path.join(dir, 'data');
  const config = path.join(dir, 'mailhaven.toml');
  fs.mkdirSync(data);
  const port = await freePort();
  const listeners = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http', 'https'].flatMap((l) =>
    l === protocol
      ? [`[${l}]`, 'host = "127.0.0.1"', `port = ${port}`, ...(l === 'smtp' && settings.smtpThreads !== undefined ? [`threads = ${settings.smtpThreads}`] : []), '']
      : [`[${l}]`, 'enabled = false', '']);
  // SPF/DKIM/DMARC checks and the scheduled DNS check off: the peer (a stock Postfix) runs none either.
  // Logging as deployed (every connection and message at info) into one file, as Postfix's maillog_file.
  fs.writeFileSync(config, ['hostname = "mail.bench.test"', '', ...listeners, '[mail_auth]', 'enabled = false', '', '[dns_check]', 'enabled = false', '', '[log]', 'level = "info"', 'stdout = false', ''].join('\n'));
  const node = process.execPath;
  let child: ChildProcess | undefined;
  let exited: string | undefined;
  let logTail = (): string => '';
  let stopping: Promise<void> | undefined;
  const server: MailhavenServer = {
    get pid() {
      return child?.pid;
    },
    port,
    dir,
    maildirNew: path.join(data, 'mail', mailbox.domain, mailbox.user, 'new'),
    assertAlive() {
      if (exited !== undefined) throw new Error(`mailhaven serve ${exited}\n${logTail()}`);
    },
    peakRssKiB: () => readPeakRss(child?.pid),
    logTail: () => logTail(),
    stop() {
      stopping ??= (async () => {
        if (!child || child.pid === undefined || exited !== undefined) return;
        await stopPid(child.pid, { graceMs: 15_000, what: 'mailhaven' });
      })();
      return stopping;
    },
  };
  try {
    const cli = ['--data', data, '--config', config];
    run(node, [MAILHAVEN_CLI, 'domain', 'add', mailbox.domain, ...cli], { what: 'mailhaven domain add' });
    run(node, [MAILHAVEN_CLI, 'user', 'add', mailbox.address, '--password-stdin', ...cli], {
      input: `${MAILHAVEN_PASSWORD}\n`,
      what: 'mailhaven user add',
    });
    child = spawn(node, [MAILHAVEN_CLI, 'serve', ...cli], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    logTail = tailOf(child);
    child.on('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with status ${code}`;
    });
    child.on('error', (err) => {
      exited = `could not start: ${err.message}`;
    });
    await waitForGreeting(port, protocol === 'imap' ? IMAP_GREETING : SMTP_GREETING, server, 30_000, 'Mailhaven');
    return server;
  } catch (err) {
    await server.stop();
    removeRunDir(dirs, dir);
    throw err;
  }
}
