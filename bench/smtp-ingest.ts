/**
 * bench/smtp-ingest — inbound SMTP throughput, Mailhaven against Postfix, end to end.
 *
 * Postfix's own load generator, smtp-source(1), sends N messages of 4 KB to one mailbox at
 * several concurrencies, first into a private Postfix instance (smtpd → cleanup → qmgr →
 * virtual(8) → Maildir) and then into Mailhaven (SMTP → Maildir), each on its own loopback
 * port with fresh directories for every run. The clock starts when smtp-source starts and
 * stops when all N files are in the mailbox's Maildir `new/` directory. Both sides fsync each
 * message before they answer 250 (Postfix: the queue file in cleanup(8), then the Maildir
 * file in virtual(8); Mailhaven: the Maildir file and its directory).
 *
 * Usage (as root: the Postfix side starts a private Postfix, and virtual(8) needs a uid to
 * deliver as — the script creates the system user `vmail` if it is missing):
 *
 *   export PATH=/work/main/node_modules/.bin:$PATH      # node 24
 *   node bench/smtp-ingest.ts                           # c = 1, 10, 50; both servers
 *   node bench/smtp-ingest.ts --only mailhaven          # or --only postfix
 *   node bench/smtp-ingest.ts --concurrency 50 --messages 10000
 *   node bench/smtp-ingest.ts --messages 1=2000,10=5000,50=5000
 *
 * Options:
 *   --only mailhaven|postfix   run one side only (--only mailhaven works without root)
 *   --concurrency LIST         comma-separated SMTP session counts (default 1,10,50)
 *   --messages N | C=N,...     messages per run, for all or per concurrency
 *                              (default 1=2000,10=4000,50=4000: ~7–15 s per Postfix run on
 *                              a 2-core VM; the same N for both servers)
 *   --repeat K                 run each (server, concurrency) K times, alternating servers,
 *                              and report the median (default 1; use 3 on a noisy machine)
 *   --size BYTES               smtp-source -l payload per message (default 4096)
 *   --warmup N                 untimed messages sent first, at the same concurrency, to start
 *                              processes, warm the JIT and check that delivery works (default 100)
 *   --reuse                    several messages per connection (smtp-source -d); by default
 *                              each message opens its own connection, as MX traffic does
 *   --timeout SECONDS          give up on a run after this long (default 180)
 *   --tmp DIR                  where the per-run directories go (default the OS temp dir; use
 *                              a disk, not tmpfs, or fsync costs nothing)
 *   --keep                     keep the per-run directories (prints where they are)
 *
 * Environment: SMTP_SOURCE=/path/to/smtp-source overrides where the load generator is looked for.
 *
 * Exit status: 0 done, 1 a run failed, 2 a prerequisite is missing (smtp-source, postfix, root).
 * The target (issue): Mailhaven ≥ 3× Postfix messages/second at concurrency 50.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const DOMAIN = 'bench.test';
const USER = 'bench';
const RCPT = `${USER}@${DOMAIN}`;
const SENDER = 'sender@client.example';
const HELO = 'client.example';
const REPO = path.resolve(import.meta.dirname, '..');
const MAILHAVEN_CLI = path.join(REPO, 'src', 'cli', 'main.ts');
const DEFAULT_MESSAGES: Record<number, number> = { 1: 2000, 10: 4000, 50: 4000 };
const TMPFS_MAGIC = 0x01021994;

type Side = 'mailhaven' | 'postfix';

interface Options {
  sides: Side[];
  concurrencies: number[];
  messages: (c: number) => number;
  size: number;
  warmup: number;
  repeat: number;
  reuse: boolean;
  timeoutMs: number;
  tmp: string;
  keep: boolean;
}

/** A server under test, started on a loopback port with fresh directories. */
interface Target {
  readonly port: number;
  /** The mailbox's Maildir new/ directory, where every accepted message ends up. */
  readonly maildirNew: string;
  readonly dir: string;
  /** Throws if the server has died. */
  assertAlive(): void;
  /** Peak resident set of the server's main process, in KiB, if known. */
  peakRssKiB(): number | undefined;
  /** The last lines of its log, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

interface Result {
  side: Side;
  concurrency: number;
  messages: number;
  seconds: number;
  rate: number;
  peakRssKiB?: number;
}

class Prerequisite extends Error {}

function usage(): string {
  const text = fs.readFileSync(new URL(import.meta.url), 'utf8');
  const doc = text.slice(text.indexOf('/**') + 3, text.indexOf('*/'));
  return doc.split('\n').map((l) => l.replace(/^ \* ?/, '').replace(/^ \*$/, '')).join('\n').trim();
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      concurrency: { type: 'string', default: '1,10,50' },
      messages: { type: 'string' },
      size: { type: 'string', default: '4096' },
      warmup: { type: 'string', default: '100' },
      repeat: { type: 'string', default: '1' },
      reuse: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '180' },
      tmp: { type: 'string', default: os.tmpdir() },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const int = (name: string, s: string, min: number): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(s)}`);
    return n;
  };
  let sides: Side[] = ['postfix', 'mailhaven'];
  if (values.only !== undefined) {
    if (values.only !== 'mailhaven' && values.only !== 'postfix') throw new Error('--only: expected mailhaven or postfix');
    sides = [values.only];
  }
  const concurrencies = values.concurrency.split(',').map((s) => int('concurrency', s.trim(), 1));
  let messages: (c: number) => number = (c) => DEFAULT_MESSAGES[c] ?? 4000;
  if (values.messages !== undefined) {
    const spec = values.messages;
    if (spec.includes('=')) {
      const table = new Map<number, number>();
      for (const part of spec.split(',')) {
        const [c, n] = part.split('=');
        table.set(int('messages', (c ?? '').trim(), 1), int('messages', (n ?? '').trim(), 1));
      }
      messages = (c) => {
        const n = table.get(c);
        if (n === undefined) throw new Error(`--messages gives no count for concurrency ${c}`);
        return n;
      };
    } else {
      const n = int('messages', spec, 1);
      messages = () => n;
    }
  }
  return {
    sides,
    concurrencies,
    messages,
    size: int('size', values.size, 1),
    warmup: int('warmup', values.warmup, 0),
    repeat: int('repeat', values.repeat, 1),
    reuse: values.reuse,
    timeoutMs: int('timeout', values.timeout, 1) * 1000,
    tmp: path.resolve(values.tmp),
    keep: values.keep,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function findProgram(name: string, dirs: string[]): string | undefined {
  const all = [...dirs, ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  for (const dir of all) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs a command to completion; throws with its output if it fails. */
function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; what?: string } = {}): string {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    cwd: opts.cwd,
    encoding: 'utf8',
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (r.error) throw new Error(`${opts.what ?? cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    throw new Error(`${opts.what ?? [cmd, ...args].join(' ')} exited with ${r.status ?? r.signal}${out ? `:\n${out}` : ''}`);
  }
  return r.stdout ?? '';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the port answers with a 220 greeting (then says QUIT), or rejects. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (/^220[ -]/.test(buf) && buf.includes('\n')) {
        sock.write('QUIT\r\n');
        sock.end();
        done(true);
      } else if (buf.includes('\n')) {
        done(false);
      }
    });
  });
}

async function waitForGreeting(port: number, target: { assertAlive(): void }, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    target.assertAlive();
    if (await greets(port)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not greet on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}

function countFiles(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Polls the Maildir until it holds `want` files; returns performance.now() at that moment. */
async function waitForFiles(target: Target, want: number, deadline: number, what: string): Promise<number> {
  while (true) {
    const have = countFiles(target.maildirNew);
    if (have >= want) return performance.now();
    target.assertAlive();
    if (performance.now() > deadline) {
      throw new Error(`${what}: ${have} of ${want} messages in ${target.maildirNew} when the time ran out\n${target.logTail()}`);
    }
    await sleep(have === 0 ? 20 : 5);
  }
}

function readPeakRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function makeRunDir(opts: Options, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(opts.tmp, `mailhaven-bench-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

function removeRunDir(opts: Options, dir: string): void {
  if (opts.keep) console.error(`  kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

/** Keeps the last lines a child wrote, so a failure can show them. */
function tailOf(child: ChildProcess, lines = 40): () => string {
  const kept: string[] = [];
  const add = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      kept.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (kept.length > lines) kept.shift();
    }
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => kept.join('\n');
}

function tailFile(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Postfix: a private instance (own config, queue and data directories), virtual(8) → Maildir

interface PostfixEnv {
  postfix: string;
  postconf: string;
  version: string;
  compatibilityLevel: string;
  vmailUid: number;
  vmailGid: number;
  postfixUid: number;
}

function idOf(user: string, flag: '-u' | '-g'): number | undefined {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

function postfixEnv(): PostfixEnv {
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

async function startPostfix(env: PostfixEnv, opts: Options): Promise<Target> {
  const dir = makeRunDir(opts, 'postfix');
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
  fs.writeFileSync(path.join(etc, 'vmailbox'), `${RCPT} ${DOMAIN}/${USER}/\n`);
  fs.writeFileSync(
    path.join(etc, 'main.cf'),
    [
      '# Written by bench/smtp-ingest.ts: a private instance for one benchmark run.',
      `compatibility_level = ${env.compatibilityLevel}`,
      `queue_directory = ${queue}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      `maillog_file = ${log}`,
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
      `virtual_mailbox_domains = ${DOMAIN}`,
      `virtual_mailbox_base = ${maildirs}`,
      `virtual_mailbox_maps = texthash:${path.join(etc, 'vmailbox')}`,
      `virtual_uid_maps = static:${env.vmailUid}`,
      `virtual_gid_maps = static:${env.vmailGid}`,
      '',
    ].join('\n'),
  );
  // The listener moves to our port; nothing runs chrooted (the queue is not set up as a jail).
  run(env.postconf, ['-c', etc, '-MX', 'smtp/inet']);
  run(env.postconf, ['-c', etc, '-Me', `${port}/inet=${port} inet n - n - - smtpd`]);
  run(env.postconf, ['-c', etc, '-F', '*/*/chroot = n']);

  const pidFile = path.join(queue, 'pid', 'master.pid');
  let masterPid: number | undefined;
  let stopping: Promise<void> | undefined;
  const target: Target = {
    port,
    dir,
    maildirNew: path.join(maildirs, DOMAIN, USER, 'new'),
    assertAlive() {
      if (masterPid !== undefined && !pidAlive(masterPid)) throw new Error(`Postfix master (pid ${masterPid}) died\n${tailFile(log)}`);
    },
    peakRssKiB: () => undefined,
    logTail: () => tailFile(log),
    stop() {
      stopping ??= (async () => {
        if (masterPid === undefined) return;
        spawnSync(env.postfix, ['-c', etc, 'stop'], { stdio: 'ignore', timeout: 30_000 });
        for (let i = 0; i < 100 && pidAlive(masterPid); i++) await sleep(100);
        if (pidAlive(masterPid)) process.kill(masterPid, 'SIGKILL');
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
    const started = Date.now();
    while (masterPid === undefined && Date.now() - started < 10_000) {
      try {
        masterPid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || undefined;
      } catch {
        await sleep(50);
      }
    }
    if (masterPid === undefined) throw new Error(`Postfix wrote no ${pidFile}\n${tailFile(log)}`);
    await waitForGreeting(port, target, 15_000, 'Postfix');
    return target;
  } catch (err) {
    await target.stop();
    removeRunDir(opts, dir);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Mailhaven: `mailhaven serve` on a fresh data directory

async function startMailhaven(opts: Options): Promise<Target> {
  if (!fs.existsSync(MAILHAVEN_CLI)) throw new Error(`${MAILHAVEN_CLI} does not exist (yet)`);
  const dir = makeRunDir(opts, 'mailhaven');
  const data = path.join(dir, 'data');
  const config = path.join(dir, 'mailhaven.toml');
  fs.mkdirSync(data);
  const port = await freePort();
  fs.writeFileSync(
    config,
    ['hostname = "mail.bench.test"', '', '[smtp]', 'host = "127.0.0.1"', `port = ${port}`, '', '[log]', 'level = "warn"', ''].join('\n'),
  );
  const node = process.execPath;
  let child: ChildProcess | undefined;
  let exited: string | undefined;
  let logTail = (): string => '';
  let stopping: Promise<void> | undefined;
  const target: Target = {
    port,
    dir,
    maildirNew: path.join(data, 'mail', DOMAIN, USER, 'new'),
    assertAlive() {
      if (exited !== undefined) throw new Error(`mailhaven serve ${exited}\n${logTail()}`);
    },
    peakRssKiB: () => readPeakRss(child?.pid),
    logTail: () => logTail(),
    stop() {
      stopping ??= (async () => {
        if (!child || child.pid === undefined || exited !== undefined) return;
        const pid = child.pid;
        const gone = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
        process.kill(pid, 'SIGTERM');
        const timer = sleep(15_000).then(() => 'timeout' as const);
        if ((await Promise.race([gone, timer])) === 'timeout' && exited === undefined) {
          console.error(`  mailhaven (pid ${pid}) ignored SIGTERM for 15 s; killing it`);
          process.kill(pid, 'SIGKILL');
          await gone;
        }
      })();
      return stopping;
    },
  };
  try {
    run(node, [MAILHAVEN_CLI, 'domain', 'add', DOMAIN, '--data', data, '--config', config], { what: 'mailhaven domain add' });
    run(node, [MAILHAVEN_CLI, 'user', 'add', RCPT, '--password-stdin', '--data', data, '--config', config], {
      input: 'secret\n',
      what: 'mailhaven user add',
    });
    child = spawn(node, [MAILHAVEN_CLI, 'serve', '--data', data, '--config', config], {
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
    await waitForGreeting(port, target, 30_000, 'Mailhaven');
    return target;
  } catch (err) {
    await target.stop();
    removeRunDir(opts, dir);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The load: smtp-source

/** Runs smtp-source to completion; kills it (by pid) if it is still running at `deadline`. */
function smtpSource(bin: string, opts: Options, port: number, sessions: number, messages: number, cwd: string, deadline: number): Promise<void> {
  const args = ['-s', String(sessions), '-m', String(messages), '-l', String(opts.size), '-f', SENDER, '-t', RCPT, '-M', HELO];
  if (opts.reuse) args.push('-d');
  args.push(`127.0.0.1:${port}`);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      err += `\n(still running after ${opts.timeoutMs / 1000} s: killed)`;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    }, Math.max(0, deadline - performance.now()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`smtp-source ${args.join(' ')} ${signal ? `was killed by ${signal}` : `exited with ${code}`}: ${err.trim()}`));
    });
  });
}

/** Servers running now, so that an interrupt (Ctrl-C) still stops them. */
const running = new Set<Target>();
let interrupted = false;

/**
 * On SIGINT/SIGTERM/SIGHUP: start no more runs and stop the servers under test; the run in
 * progress then fails (its load generator loses the server) and its cleanup removes its
 * directory. A second signal exits at once.
 */
function stopOnSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      console.error(`\n${sig}: stopping the servers under test`);
      for (const target of running) void target.stop();
    });
  }
}

async function runOnce(side: Side, concurrency: number, messages: number, opts: Options, source: string, env: PostfixEnv | undefined): Promise<Result> {
  const target = side === 'postfix' ? await startPostfix(env as PostfixEnv, opts) : await startMailhaven(opts);
  running.add(target);
  try {
    if (interrupted) throw new Error('interrupted');
    const label = `${side} c=${concurrency}`;
    const deadline = performance.now() + opts.timeoutMs;
    if (opts.warmup > 0) {
      await smtpSource(source, opts, target.port, Math.min(concurrency, opts.warmup), opts.warmup, target.dir, deadline);
      await waitForFiles(target, opts.warmup, deadline, `${label} warm-up`);
    }
    const before = countFiles(target.maildirNew);
    const t0 = performance.now();
    await smtpSource(source, opts, target.port, concurrency, messages, target.dir, deadline);
    const t1 = await waitForFiles(target, before + messages, deadline, label);
    const seconds = (t1 - t0) / 1000;
    const peak = target.peakRssKiB();
    const have = countFiles(target.maildirNew);
    if (have !== before + messages) throw new Error(`${label}: ${have - before} messages delivered for ${messages} sent`);
    return { side, concurrency, messages, seconds, rate: messages / seconds, peakRssKiB: peak };
  } finally {
    await target.stop();
    removeRunDir(opts, target.dir);
    running.delete(target);
  }
}

// ---------------------------------------------------------------------------------------------

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Summary {
  messages: number;
  rate: number;
  min: number;
  max: number;
  runs: number;
  peakRssKiB?: number;
}

function summarize(results: Result[], side: Side, concurrency: number): Summary | undefined {
  const mine = results.filter((r) => r.side === side && r.concurrency === concurrency);
  if (mine.length === 0) return undefined;
  const rates = mine.map((r) => r.rate);
  const rss = mine.map((r) => r.peakRssKiB).filter((x): x is number => x !== undefined);
  return {
    messages: mine[0].messages,
    rate: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    runs: mine.length,
    peakRssKiB: rss.length ? Math.max(...rss) : undefined,
  };
}

function fmtRate(s: Summary | undefined): string {
  if (!s) return '-';
  return s.runs > 1 ? `${s.rate.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : s.rate.toFixed(0);
}

function printTable(opts: Options, results: Result[]): void {
  const rows: string[][] = [['concurrency', 'N', 'Mailhaven msg/s', 'Postfix msg/s', 'ratio', 'Mailhaven peak RSS']];
  for (const c of opts.concurrencies) {
    const mh = summarize(results, 'mailhaven', c);
    const pf = summarize(results, 'postfix', c);
    if (!mh && !pf) continue;
    rows.push([
      String(c),
      String((mh ?? pf)?.messages ?? ''),
      fmtRate(mh),
      fmtRate(pf),
      mh && pf ? `${(mh.rate / pf.rate).toFixed(2)}×` : '-',
      mh?.peakRssKiB !== undefined ? `${(mh.peakRssKiB / 1024).toFixed(0)} MiB` : '-',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
  if (opts.repeat > 1) console.log(`(median of ${opts.repeat} runs, min–max in brackets; peak RSS is the largest)`);
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  const source = process.env.SMTP_SOURCE
    ? (fs.existsSync(process.env.SMTP_SOURCE) ? process.env.SMTP_SOURCE : undefined)
    : findProgram('smtp-source', ['/usr/sbin', '/usr/lib/postfix', '/usr/libexec/postfix', '/usr/local/sbin']);
  if (!source) {
    console.error('smtp-source (Postfix\'s SMTP load generator) was not found in /usr/sbin, /usr/lib/postfix or PATH.\n'
      + 'Install it with: apt-get install postfix   (choose "No configuration"; the benchmark runs its own private Postfix)');
    return 2;
  }
  let env: PostfixEnv | undefined;
  if (opts.sides.includes('postfix')) {
    try {
      env = postfixEnv();
    } catch (err) {
      if (err instanceof Prerequisite) {
        console.error(err.message);
        return 2;
      }
      throw err;
    }
  }
  try {
    if (fs.statfsSync(opts.tmp).type === TMPFS_MAGIC) {
      console.error(`warning: ${opts.tmp} is tmpfs, where fsync costs nothing; pass --tmp DIR on a disk for real figures`);
    }
  } catch {
    // statfs unavailable: no warning
  }

  console.log(`smtp-ingest: ${opts.size}-byte messages (smtp-source -l ${opts.size}) to one mailbox, ${opts.reuse ? 'several messages per connection' : 'one connection per message'}, `
    + `${opts.warmup} warm-up messages per run; clock stops when all N files are in Maildir new/`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, runs in ${opts.tmp}${env ? `; Postfix ${env.version}` : ''}`);

  const results: Result[] = [];
  let failed = false;
  stopOnSignals();
  for (const c of opts.concurrencies) {
    const n = opts.messages(c);
    for (let i = 0; i < opts.repeat * opts.sides.length && !interrupted; i++) {
      // Alternate the servers (P M M P P M …) so that drift in the machine hits both alike.
      const round = Math.floor(i / opts.sides.length);
      const k = i % opts.sides.length;
      const side = opts.sides[round % 2 === 0 ? k : opts.sides.length - 1 - k];
      console.error(`  ${side}: concurrency ${c}, ${n} messages${opts.repeat > 1 ? ` (run ${round + 1} of ${opts.repeat})` : ''}…`);
      try {
        const r = await runOnce(side, c, n, opts, source, env);
        results.push(r);
        console.error(`  ${side}: concurrency ${c}: ${r.rate.toFixed(0)} msg/s (${r.seconds.toFixed(2)} s)`
          + (r.peakRssKiB !== undefined ? `, peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB` : ''));
      } catch (err) {
        failed = true;
        console.error(`  ${side}: concurrency ${c} FAILED: ${(err as Error).message}`);
      }
    }
  }
  if (results.length === 0) return interrupted ? 130 : 1;
  console.log('');
  printTable(opts, results);
  const mh50 = summarize(results, 'mailhaven', 50);
  const pf50 = summarize(results, 'postfix', 50);
  if (mh50 && pf50) {
    const ratio = mh50.rate / pf50.rate;
    console.log(`\ntarget: Mailhaven ≥ 3× Postfix at concurrency 50: ${ratio.toFixed(2)}× — ${ratio >= 3 ? 'met' : 'NOT met'}`);
  }
  return interrupted ? 130 : failed ? 1 : 0;
}

process.exitCode = await main();
