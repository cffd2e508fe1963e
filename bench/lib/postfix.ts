/**
 * The Postfix side: a private instance (own config, queue and data directories in a run
 * directory; the system Postfix is neither used nor touched) that delivers one mailbox with
 * virtual(8) into a Maildir: smtpd → cleanup → qmgr → virtual(8) → Maildir.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRunDir, removeRunDir } from './files.ts';
import type { RunDirOptions } from './files.ts';
import { SMTP_GREETING, freePort, waitForGreeting } from './port.ts';
import { findProgram, idOf, pidAlive, run, stopPid, tailFile, waitForPidFile } from './proc.ts';
import type { Mailbox, MaildirServer } from './server.ts';

/** Something the benchmark needs is missing (exit status 2); the message says what to do. */
export class Prerequisite extends Error {}

/**
 * Runs a side's prerequisite check (`find`, e.g. postfixEnv) and returns what it found; if
 * something is missing (Prerequisite) prints what to do and returns undefined (exit status 2).
 */
export function checkPrerequisites<T>(find: () => T): T | undefined {
  try {
    return find();
  } catch (err) {
    if (err instanceof Prerequisite) {
      console.error(err.message);
      return undefined;
    }
    throw err;
  }
}

/** The installed Postfix and the users it runs and delivers as. */
export interface PostfixEnv {
  postfix: string;
  postconf: string;
  version: string;
  compatibilityLevel: string;
  vmailUid: number;
  vmailGid: number;
  postfixUid: number;
}

/**
 * Finds Postfix and checks that it can be run (root); creates the system user vmail if it is
 * missing. Throws Prerequisite if something cannot be fixed here.
 */
export function postfixEnv(): PostfixEnv {
  const sbin = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
  const postfix = findProgram('postfix', sbin);
  const postconf = findProgram('postconf', sbin);
  if (!postfix || !postconf || !fs.existsSync('/etc/postfix/master.cf')) {
    throw new Prerequisite('Postfix is not installed. On Debian or Ubuntu: apt-get install postfix (choose "No configuration"; this benchmark runs its own private instance).');
  }
  if (process.getuid?.() !== 0) {
    throw new Prerequisite('The Postfix side must run as root (postfix start, and virtual(8) delivers as the user vmail). Run as root, or use --only mailhaven.');
  }
  const version = run(postconf, ['-dh', 'mail_version']).trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  // Postfix ≥ 3.6 knows compatibility_level 3.6; older versions know 2.
  const compatibilityLevel = major > 3 || (major === 3 && minor >= 6) ? '3.6' : '2';
  if (idOf('vmail', '-u') === undefined) {
    console.error('creating the system user vmail (virtual(8) delivers as it)');
    run('useradd', ['-r', '-s', '/usr/sbin/nologin', '-d', '/nonexistent', 'vmail']);
  }
  const postfixUid = idOf('postfix', '-u');
  if (postfixUid === undefined) throw new Prerequisite('The user postfix does not exist; reinstall the postfix package.');
  return {
    postfix,
    postconf,
    version,
    compatibilityLevel,
    vmailUid: idOf('vmail', '-u') ?? 0,
    vmailGid: idOf('vmail', '-g') ?? 0,
    postfixUid,
  };
}

/** The main.cf of a private instance in `dir` that delivers `mailbox` under `maildirs`. */
function mainCf(env: PostfixEnv, mailbox: Mailbox, dir: string, maildirs: string): string {
  const etc = path.join(dir, 'etc');
  return [
    '# Written by bench/smtp-ingest.ts: a private instance for one benchmark run.',
    `compatibility_level = ${env.compatibilityLevel}`,
    `queue_directory = ${path.join(dir, 'queue')}`,
    `data_directory = ${path.join(dir, 'data')}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `maillog_file = ${path.join(dir, 'postfix.log')}`,
    `maillog_file_prefixes = ${dir}`,
    'myhostname = postfix.bench.test',
    'mydestination =',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    'relayhost =',
    'alias_maps =',
    'alias_database =',
    'biff = no',
    // Loopback load generator: no per-client limits; enough smtpd processes for 50 sessions.
    'smtpd_client_connection_count_limit = 0',
    'smtpd_client_connection_rate_limit = 0',
    'smtpd_client_message_rate_limit = 0',
    'default_process_limit = 100',
    `virtual_mailbox_domains = ${mailbox.domain}`,
    `virtual_mailbox_base = ${maildirs}`,
    `virtual_mailbox_maps = texthash:${path.join(etc, 'vmailbox')}`,
    `virtual_uid_maps = static:${env.vmailUid}`,
    `virtual_gid_maps = static:${env.vmailGid}`,
    '',
  ].join('\n');
}

/** Starts a private Postfix on a free loopback port; resolves once it greets. */
export async function startPostfix(env: PostfixEnv, mailbox: Mailbox, dirs: RunDirOptions): Promise<MaildirServer> {
  const dir = makeRunDir(dirs, 'postfix');
  const etc = path.join(dir, 'etc');
  const queue = path.join(dir, 'queue');
  const data = path.join(dir, 'data');
  const maildirs = path.join(dir, 'maildirs');
  const log = path.join(dir, 'postfix.log');
  for (const d of [etc, queue, data, maildirs]) fs.mkdirSync(d);
  fs.chownSync(data, env.postfixUid, 0);
  fs.chownSync(maildirs, env.vmailUid, env.vmailGid);
  const port = await freePort();

  fs.copyFileSync('/etc/postfix/master.cf', path.join(etc, 'master.cf'));
  fs.writeFileSync(path.join(etc, 'vmailbox'), `${mailbox.address} ${mailbox.domain}/${mailbox.user}/\n`);
  fs.writeFileSync(path.join(etc, 'main.cf'), mainCf(env, mailbox, dir, maildirs));
  // The listener moves to our port; nothing runs chrooted (the queue is not set up as a jail).
  run(env.postconf, ['-c', etc, '-MX', 'smtp/inet']);
  run(env.postconf, ['-c', etc, '-Me', `${port}/inet=${port} inet n - n - - smtpd`]);
  run(env.postconf, ['-c', etc, '-F', '*/*/chroot = n']);

  const pidFile = path.join(queue, 'pid', 'master.pid');
  let masterPid: number | undefined;
  let stopping: Promise<void> | undefined;
  const server: MaildirServer = {
    port,
    dir,
    maildirNew: path.join(maildirs, mailbox.domain, mailbox.user, 'new'),
    assertAlive() {
      if (masterPid !== undefined && !pidAlive(masterPid)) throw new Error(`Postfix master (pid ${masterPid}) died\n${tailFile(log)}`);
    },
    peakRssKiB: () => undefined,
    logTail: () => tailFile(log),
    stop() {
      stopping ??= (async () => {
        if (masterPid === undefined) return;
        await stopPid(masterPid, {
          request: () => spawnSync(env.postfix, ['-c', etc, 'stop'], { stdio: 'ignore', timeout: 30_000 }),
          graceMs: 10_000,
        });
      })();
      return stopping;
    },
  };
  try {
    try {
      run(env.postfix, ['-c', etc, 'check'], { what: 'postfix check' });
      run(env.postfix, ['-c', etc, 'start'], { what: 'postfix start' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${tailFile(log)}`, { cause: err });
    }
    masterPid = await waitForPidFile(pidFile, 10_000);
    if (masterPid === undefined) throw new Error(`Postfix wrote no ${pidFile}\n${tailFile(log)}`);
    await waitForGreeting(port, SMTP_GREETING, server, 15_000, 'Postfix');
    return server;
  } catch (err) {
    await server.stop();
    removeRunDir(dirs, dir);
    throw err;
  }
}
