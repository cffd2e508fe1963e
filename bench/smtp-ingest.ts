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
 *   --threads N                Mailhaven's `[smtp] threads` (default: its own, "auto": none
 *                              below 4 CPUs); N > 0 runs the MX in N worker threads
 *
 * Environment: SMTP_SOURCE=/path/to/smtp-source overrides where the load generator is looked for.
 *
 * Exit status: 0 done, 1 a run failed, 2 a prerequisite is missing (smtp-source, postfix, root).
 * The target (issue): Mailhaven ≥ 3× Postfix messages/second at concurrency 50.
 */
import fs from 'node:fs';
import os from 'node:os';
import { countFiles, removeRunDir, waitForFiles } from './lib/files.ts';
import { parseCommandLine, parseOptions } from './lib/options.ts';
import type { Options, Side } from './lib/options.ts';
import { startMailhaven } from './lib/mailhaven.ts';
import { checkPrerequisites, postfixEnv, startPostfix } from './lib/postfix.ts';
import type { PostfixEnv } from './lib/postfix.ts';
import { printComparison, summarize } from './lib/report.ts';
import type { Sample, Summary } from './lib/report.ts';
import { RunningServers } from './lib/server.ts';
import type { Mailbox } from './lib/server.ts';
import { findSmtpSource, smtpSource } from './lib/smtp-source.ts';
import type { Load } from './lib/smtp-source.ts';

const MAILBOX: Mailbox = { domain: 'bench.test', user: 'bench', address: 'bench@bench.test' };
const SENDER = 'sender@client.example';
const HELO = 'client.example';
const TMPFS_MAGIC = 0x01021994;

interface Result extends Sample {
  side: Side;
  concurrency: number;
  seconds: number;
}

/**
 * One timed run: a fresh server, the untimed warm-up, then `messages` messages at `concurrency`;
 * the clock stops when all of them are in the Maildir's new/.
 */
async function runOnce(side: Side, concurrency: number, messages: number, opts: Options, source: string, env: PostfixEnv | undefined, running: RunningServers): Promise<Result> {
  const server = side === 'postfix' ? await startPostfix(env as PostfixEnv, MAILBOX, opts) : await startMailhaven(MAILBOX, opts, 'smtp', { smtpThreads: opts.threads });
  running.add(server);
  try {
    if (running.interrupted) throw new Error('interrupted');
    const label = `${side} c=${concurrency}`;
    const deadline = performance.now() + opts.timeoutMs;
    const load = (sessions: number, count: number): Load =>
      ({ sessions, messages: count, size: opts.size, reuse: opts.reuse, sender: SENDER, recipient: MAILBOX.address, helo: HELO });
    if (opts.warmup > 0) {
      await smtpSource(source, load(Math.min(concurrency, opts.warmup), opts.warmup), server.port, server.dir, deadline, opts.timeoutMs);
      await waitForFiles(server.maildirNew, opts.warmup, server, deadline, `${label} warm-up`);
    }
    const before = countFiles(server.maildirNew);
    const t0 = performance.now();
    await smtpSource(source, load(concurrency, messages), server.port, server.dir, deadline, opts.timeoutMs);
    const t1 = await waitForFiles(server.maildirNew, before + messages, server, deadline, label);
    const seconds = (t1 - t0) / 1000;
    const peak = server.peakRssKiB();
    const have = countFiles(server.maildirNew);
    if (have !== before + messages) throw new Error(`${label}: ${have - before} messages delivered for ${messages} sent`);
    return { side, concurrency, count: messages, seconds, rate: messages / seconds, peakRssKiB: peak };
  } finally {
    await server.stop();
    removeRunDir(opts, server.dir);
    running.delete(server);
  }
}

/** Both sides' summaries at one concurrency. */
function summaries(results: Result[], concurrency: number): { mailhaven?: Summary; postfix?: Summary } {
  const at = (side: Side): Summary | undefined => summarize(results.filter((r) => r.side === side && r.concurrency === concurrency));
  return { mailhaven: at('mailhaven'), postfix: at('postfix') };
}

async function main(): Promise<number> {
  const opts = parseCommandLine(import.meta.url, parseOptions);
  if (opts === undefined) return 2;
  const source = findSmtpSource();
  if (!source) {
    console.error('smtp-source (Postfix\'s SMTP load generator) was not found in /usr/sbin, /usr/lib/postfix or PATH.\n'
      + 'Install it with: apt-get install postfix   (choose "No configuration"; the benchmark runs its own private Postfix)');
    return 2;
  }
  let env: PostfixEnv | undefined;
  if (opts.sides.includes('postfix')) {
    env = checkPrerequisites(postfixEnv);
    if (env === undefined) return 2;
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
  const running = new RunningServers();
  running.stopOnSignals();
  for (const c of opts.concurrencies) {
    const n = opts.messages(c);
    for (let i = 0; i < opts.repeat * opts.sides.length && !running.interrupted; i++) {
      // Alternate the servers (P M M P P M …) so that drift in the machine hits both alike.
      const round = Math.floor(i / opts.sides.length);
      const k = i % opts.sides.length;
      const side = opts.sides[round % 2 === 0 ? k : opts.sides.length - 1 - k];
      console.error(`  ${side}: concurrency ${c}, ${n} messages${opts.repeat > 1 ? ` (run ${round + 1} of ${opts.repeat})` : ''}…`);
      try {
        const r = await runOnce(side, c, n, opts, source, env, running);
        results.push(r);
        console.error(`  ${side}: concurrency ${c}: ${r.rate.toFixed(0)} msg/s (${r.seconds.toFixed(2)} s)`
          + (r.peakRssKiB !== undefined ? `, peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB` : ''));
      } catch (err) {
        failed = true;
        console.error(`  ${side}: concurrency ${c} FAILED: ${(err as Error).message}`);
      }
    }
  }
  if (results.length === 0) return running.interrupted ? 130 : 1;
  console.log('');
  printComparison({
    keyHeader: 'concurrency',
    ours: 'Mailhaven',
    theirs: 'Postfix',
    unit: 'msg/s',
    repeat: opts.repeat,
    rows: opts.concurrencies.map((c) => {
      const { mailhaven, postfix } = summaries(results, c);
      return { key: String(c), ours: mailhaven, theirs: postfix };
    }),
  });
  const { mailhaven: mh50, postfix: pf50 } = summaries(results, 50);
  if (mh50 && pf50) {
    const ratio = mh50.rate / pf50.rate;
    console.log(`\ntarget: Mailhaven ≥ 3× Postfix at concurrency 50: ${ratio.toFixed(2)}× — ${ratio >= 3 ? 'met' : 'NOT met'}`);
  }
  return running.interrupted ? 130 : failed ? 1 : 0;
}

process.exitCode = await main();
