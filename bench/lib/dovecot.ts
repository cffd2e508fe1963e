/**
 * The Dovecot side: a private instance of Debian's dovecot-imapd (its own base_dir, config, log
 * and Maildirs in a run directory; the system Dovecot is neither used nor touched), IMAP only,
 * on a free loopback port, with one passwd-file user whose mail is `maildir:<run>/mail/%u`
 * owned by the system user vmail.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRunDir, removeRunDir } from './files.ts';
import type { RunDirOptions } from './files.ts';
import { IMAP_GREETING, freePort, waitForGreeting } from './port.ts';
import { findProgram, idOf, pidAlive, run, stopPid, tailFile, waitForPidFile } from './proc.ts';
import { Prerequisite } from './postfix.ts';
import type { Mailbox, Server } from './server.ts';

export interface DovecotEnv {
  dovecot: string;
  doveadm: string;
  version: string;
  vmailUid: number;
  vmailGid: number;
}

/** Finds Dovecot, checks for root, creates the system user vmail if it is missing. */
export function dovecotEnv(): DovecotEnv {
  const dirs = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  const dovecot = findProgram('dovecot', dirs);
  const doveadm = findProgram('doveadm', dirs);
  if (!dovecot || !doveadm || !fs.existsSync('/usr/lib/dovecot/imap')) {
    throw new Prerequisite('Dovecot is not installed. On Debian or Ubuntu: apt-get install dovecot-imapd (this benchmark runs its own private instance).');
  }
  if (process.getuid?.() !== 0) {
    throw new Prerequisite('The Dovecot side must run as root (the dovecot master starts as root and switches to vmail). Run as root, or use --only mailhaven.');
  }
  for (const u of ['dovecot', 'dovenull']) {
    if (idOf(u, '-u') === undefined) throw new Prerequisite(`The user ${u} does not exist; reinstall the dovecot-core package.`);
  }
  if (idOf('vmail', '-u') === undefined) {
    console.error('creating the system user vmail (Dovecot reads and writes the Maildir as it)');
    run('useradd', ['-r', '-s', '/usr/sbin/nologin', '-d', '/nonexistent', 'vmail']);
  }
  return {
    dovecot,
    doveadm,
    version: run(dovecot, ['--version']).trim(),
    vmailUid: idOf('vmail', '-u') ?? 0,
    vmailGid: idOf('vmail', '-g') ?? 0,
  };
}

/** A running IMAP server under test: its port, and how much memory its processes hold. */
export interface ImapServer extends Server {
  /** Resident set (sum over the processes that serve IMAP sessions), and its PSS, in KiB. */
  memoryKiB(): { rss: number; pss: number; processes: number };
}

function dovecotConf(env: DovecotEnv, dir: string, port: number): string {
  return [
    '# Written by bench/imap.ts: a private Dovecot instance for one benchmark run.',
    `base_dir = ${path.join(dir, 'run')}`,
    `state_dir = ${path.join(dir, 'state')}`,
    `log_path = ${path.join(dir, 'dovecot.log')}`,
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    // The same argon2id hash as Mailhaven stores; a successful login is cached, as Mailhaven does.
    'auth_cache_size = 10M',
    'auth_cache_ttl = 1 hour',
    'passdb {',
    '  driver = passwd-file',
    `  args = ${path.join(dir, 'users')}`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = ${path.join(dir, 'users')}`,
    '}',
    `mail_location = maildir:${path.join(dir, 'mail')}/%u`,
    `mail_uid = ${env.vmailUid}`,
    `mail_gid = ${env.vmailGid}`,
    'first_valid_uid = 1',
    // Room for the 200 idle connections and the 20 clients of the benchmark, all one user.
    'default_process_limit = 1000',
    'default_client_limit = 5000',
    'service imap-login {',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '}',
    'service imap {',
    '  process_limit = 1024',
    '}',
    'protocol imap {',
    '  mail_max_userip_connections = 1000',
    '}',
    '',
  ].join('\n');
}

/** Pids of the running processes whose parent is `ppid`, with their command names. */
function childrenOf(ppid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push({ pid: Number(entry), comm });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** RSS and PSS of one process in KiB (0 if it has gone). */
export function processMemoryKiB(pid: number): { rss: number; pss: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const rss = /^Rss:\s+(\d+) kB/m.exec(text);
    const pss = /^Pss:\s+(\d+) kB/m.exec(text);
    return { rss: rss ? Number(rss[1]) : 0, pss: pss ? Number(pss[1]) : 0 };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

/** Starts a private Dovecot with `mailbox` (password `password`) as its one user. */
export async function startDovecot(env: DovecotEnv, mailbox: Mailbox, passwordHash: string, dirs: RunDirOptions): Promise<ImapServer> {
  const dir = makeRunDir(dirs, 'dovecot');
  const mail = path.join(dir, 'mail');
  fs.mkdirSync(mail);
  fs.chownSync(mail, env.vmailUid, env.vmailGid);
  fs.mkdirSync(path.join(dir, 'state'));
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  const log = path.join(dir, 'dovecot.log');
  fs.writeFileSync(path.join(dir, 'users'), `${mailbox.address}:{ARGON2ID}${passwordHash}::::::\n`, { mode: 0o644 });
  fs.writeFileSync(conf, dovecotConf(env, dir, port));
  const pidFile = path.join(dir, 'run', 'master.pid');
  let masterPid: number | undefined;
  let stopping: Promise<void> | undefined;
  const server: ImapServer = {
    port,
    dir,
    assertAlive() {
      if (masterPid !== undefined && !pidAlive(masterPid)) throw new Error(`Dovecot master (pid ${masterPid}) died\n${tailFile(log)}`);
    },
    peakRssKiB: () => undefined,
    logTail: () => tailFile(log),
    memoryKiB() {
      let rss = 0;
      let pss = 0;
      let processes = 0;
      if (masterPid === undefined) return { rss, pss, processes };
      for (const child of childrenOf(masterPid)) {
        if (child.comm !== 'imap') continue;
        const m = processMemoryKiB(child.pid);
        rss += m.rss;
        pss += m.pss;
        processes++;
      }
      return { rss, pss, processes };
    },
    stop() {
      stopping ??= (async () => {
        if (masterPid === undefined) return;
        await stopPid(masterPid, {
          request: () => spawnSync(env.doveadm, ['-c', conf, 'stop'], { stdio: 'ignore', timeout: 30_000 }),
          graceMs: 10_000,
          what: 'dovecot',
        });
      })();
      return stopping;
    },
  };
  try {
    // The master daemonizes and keeps whatever stdout/stderr it was given open: give it none.
    const r = spawnSync(env.dovecot, ['-c', conf], { stdio: 'ignore', timeout: 30_000 });
    if (r.error || r.status !== 0) {
      throw new Error(`dovecot -c ${conf} ${r.error ? r.error.message : `exited with ${r.status ?? r.signal}`}\n${tailFile(log)}`);
    }
    masterPid = await waitForPidFile(pidFile, 10_000);
    if (masterPid === undefined) throw new Error(`Dovecot wrote no ${pidFile}\n${tailFile(log)}`);
    await waitForGreeting(port, IMAP_GREETING, server, 15_000, 'Dovecot');
    return server;
  } catch (err) {
    await server.stop();
    removeRunDir(dirs, dir);
    throw err;
  }
}
