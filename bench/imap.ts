/**
 * bench/imap — IMAP on a large mailbox, Mailhaven against Dovecot, in one run.
 *
 * Both servers get the same deterministic corpus (2–8 KB messages, 20 senders, one rare word in
 * about 1 % of the bodies, some multipart/alternative and some with an attachment), appended
 * over IMAP on one connection into INBOX, one APPEND at a time — the first measured operation.
 * (At the very end, a fifth of the corpus is appended again into a new mailbox, pipelined: 16
 * APPENDs in flight with LITERAL+, the way mbsync, imapsync and Thunderbird upload; the tagged
 * answers are checked to come in order. Last, so its background work touches no other figure.)
 * Then, on the full
 * mailbox: SELECT + UID FETCH 1:* (FLAGS); FETCH of 200 random messages' ENVELOPE and
 * BODYSTRUCTURE (first time and again); BODY.PEEK[] of 200 other random messages; SEARCH TEXT
 * (about 1 % hits; first time and again) and SEARCH FROM (about 5 %); STORE 1:* +FLAGS.SILENT
 * (\Seen); 20 clients running a mixed read loop; the memory each idle IDLE connection costs;
 * how many connect + LOGIN + SELECT + IDLE cycles per second the server completes; and the
 * resync case: after 1,000 changes by another client (900 flag changes, 100 expunges), a
 * QRESYNC reconnect against SELECT + FETCH 1:* (FLAGS), time and bytes (lib/resync.ts). Each
 * figure is wall-clock time at the client (performance.now()); every answer is checked (message
 * counts, search hits).
 *
 * The servers: Mailhaven (`mailhaven serve` on a fresh data directory, IMAP only, on a free
 * loopback port) and a private Dovecot (Debian's dovecot-imapd: own base_dir and config,
 * passwd-file user with the same argon2id hash and its auth cache on, Maildir owned by the
 * system user vmail). One server runs at a time.
 *
 * Usage (as root for the Dovecot side: its master starts as root and switches to `vmail`, which
 * the script creates if it is missing):
 *
 *   export PATH=/work/main/node_modules/.bin:$PATH      # node 24
 *   node bench/imap.ts --quick                          # 5,000 messages, a few minutes
 *   node bench/imap.ts                                  # 100,000 messages (the issue's size)
 *   node bench/imap.ts --messages 20000 --only mailhaven
 *   node bench/imap.ts --messages 20000 --case resync   # fill, then the resync case only
 *
 * Options:
 *   --messages N           messages in the mailbox (default 100000)
 *   --quick                shorthand for --messages 5000
 *   --only mailhaven|dovecot   run one side only (--only mailhaven works without root)
 *   --case all|resync      every operation (default), or only the resync case after the fill
 *   --clients N            clients in the mixed read loop (default 20)
 *   --duration SECONDS     length of the mixed read loop (default 10)
 *   --idle N               IDLE connections for the memory figure (default 200)
 *   --connect-seconds S    length of the connect + LOGIN + SELECT + IDLE run (default 5)
 *   --connect-parallel P   parallel connectors in it (default 4)
 *   --seed N               corpus and random choices (default 1)
 *   --timeout SECONDS      give up on a server after this long (default 3600)
 *   --tmp DIR              where the run directories go (default the OS temp dir; use a disk)
 *   --keep                 keep the run directories
 *
 * Exit status: 0 done, 1 a run failed, 2 a prerequisite is missing (dovecot-imapd, root).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '../src/directory/passwords.ts';
import { FROM_KEY, RARE_WORD, SENDERS, makeCorpus, prng } from './lib/corpus.ts';
import type { Corpus } from './lib/corpus.ts';
import { dovecotEnv, processMemoryKiB, startDovecot } from './lib/dovecot.ts';
import type { DovecotEnv, ImapServer } from './lib/dovecot.ts';
import { removeRunDir } from './lib/files.ts';
import { ImapClient, existsOf, fetchCount, quote, searchCount } from './lib/imap-client.ts';
import { MAILHAVEN_PASSWORD, startMailhaven } from './lib/mailhaven.ts';
import { exitOnHelp, integer, parseCommandLine, sidesOf } from './lib/options.ts';
import { checkPrerequisites } from './lib/postfix.ts';
import { median, percentile, printTable } from './lib/report.ts';
import { CHANGES, resyncCase } from './lib/resync.ts';
import type { ResyncFigures } from './lib/resync.ts';
import { RunningServers } from './lib/server.ts';
import type { Mailbox } from './lib/server.ts';

const MAILBOX: Mailbox = { domain: 'bench.test', user: 'bench', address: 'bench@bench.test' };
const PASSWORD = MAILHAVEN_PASSWORD;

type Side = 'mailhaven' | 'dovecot';

interface Options {
  sides: Side[];
  resyncOnly: boolean;
  messages: number;
  clients: number;
  durationMs: number;
  idle: number;
  connectMs: number;
  connectParallel: number;
  seed: number;
  timeoutMs: number;
  tmp: string;
  keep: boolean;
}

function parseOptions(argv: string[], usage: () => string): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      case: { type: 'string', default: 'all' },
      clients: { type: 'string', default: '20' },
      duration: { type: 'string', default: '10' },
      idle: { type: 'string', default: '200' },
      'connect-seconds': { type: 'string', default: '5' },
      'connect-parallel': { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '3600' },
      tmp: { type: 'string', default: os.tmpdir() },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  exitOnHelp(values.help, usage);
  const sides = sidesOf<Side>(values.only, ['mailhaven', 'dovecot'], ['mailhaven', 'dovecot']);
  const messages = values.messages !== undefined ? integer('messages', values.messages, 300) : values.quick ? 5000 : 100_000;
  if (values.case !== 'all' && values.case !== 'resync') throw new Error('--case: expected all or resync');
  return {
    sides,
    resyncOnly: values.case === 'resync',
    messages,
    clients: integer('clients', values.clients, 1),
    durationMs: integer('duration', values.duration, 1) * 1000,
    idle: integer('idle', values.idle, 1),
    connectMs: integer('connect-seconds', values['connect-seconds'], 1) * 1000,
    connectParallel: integer('connect-parallel', values['connect-parallel'], 1),
    seed: integer('seed', values.seed, 0),
    timeoutMs: integer('timeout', values.timeout, 10) * 1000,
    tmp: path.resolve(values.tmp),
    keep: values.keep,
  };
}

/** Every figure of one server. Times in ms, rates per second, memory in KiB. */
interface Figures {
  appendRate: number;
  appendFirst10: number;
  appendLast10: number;
  appendSeconds: number;
  /** The pipelined APPEND (WINDOW commands in flight) of PIPELINED_SHARE into a new mailbox. */
  pipeRate: number;
  pipeFirst10: number;
  pipeLast10: number;
  pipeSeconds: number;
  selectFirstMs: number;
  selectWarmMs: number;
  envFirstMs: number;
  envWarmMs: number;
  /** Median of 5 more FETCHes, each of 200 other random messages: data not asked for before, code warm. */
  envOtherMs: number;
  bodyMs: number;
  textFirstMs: number;
  textWarmMs: number;
  fromFirstMs: number;
  fromWarmMs: number;
  storeMs: number;
  mixedOps: number;
  mixedP50: number;
  mixedP99: number;
  mixedCount: number;
  idleRssKiB: number;
  idlePssKiB: number;
  connectRate: number;
  connectP50: number;
  /** Wrong answers seen (search hit counts). */
  warnings: string[];
}

/** What one server run measured: everything, or (--case resync) the resync case alone. */
interface SideResult {
  figures?: Figures;
  resync: ResyncFigures;
}

class BenchFailure extends Error {}

function check(cond: boolean, what: string): void {
  if (!cond) throw new BenchFailure(what);
}

const log = (s: string): void => console.error(`  ${s}`);

/** `count` distinct numbers in 1..n, sorted, drawn with `rnd`. */
function sample(rnd: () => number, n: number, count: number, avoid = new Set<number>()): number[] {
  const set = new Set<number>();
  while (set.size < Math.min(count, n - avoid.size)) {
    const k = 1 + Math.floor(rnd() * n);
    if (!avoid.has(k)) set.add(k);
  }
  return [...set].sort((a, b) => a - b);
}

type AppendFigures = { rate: number; first10: number; last10: number; seconds: number };

/**
 * APPEND messages [from, to) of the corpus into `mailbox` on one connection, `window` commands
 * in flight (1: one at a time, each sent after the last one's tagged OK; more: pipelined with
 * LITERAL+, tagged answers checked to come in order); the rate overall, of the first and last 10 %.
 */
async function fill(port: number, corpus: Corpus, label: string, from: number, to: number, window: number, mailbox = 'INBOX'): Promise<AppendFigures> {
  const c = await ImapClient.login(port, MAILBOX.address, PASSWORD);
  const n = to - from;
  const done = new Float64Array(n);
  const t0 = performance.now();
  let nextReport = t0 + 10_000;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const k = i;
    inFlight.push(c.ok(`APPEND ${mailbox} {}`, [corpus.messages[from + i]]).then(() => {
      done[k] = performance.now();
    }));
    if (inFlight.length >= window) await inFlight.shift();
    const now = performance.now();
    if (now > nextReport) {
      nextReport = now + 10_000;
      log(`${label}: ${i + 1} of ${n} appended, ${((i + 1) / ((now - t0) / 1000)).toFixed(0)} msg/s so far`);
    }
  }
  await Promise.all(inFlight);
  await c.logout();
  const tenth = Math.max(1, Math.floor(n / 10));
  const seconds = (done[n - 1] - t0) / 1000;
  return {
    rate: n / seconds,
    first10: tenth / ((done[tenth - 1] - t0) / 1000),
    last10: tenth / ((done[n - 1] - done[n - 1 - tenth]) / 1000),
    seconds,
  };
}

/** Commands in flight in the pipelined APPEND, and the share of the corpus appended that way. */
const WINDOW = 16;
const PIPELINED_SHARE = 0.2;

/** The last measurement: a fifth of the corpus appended into a new mailbox, WINDOW in flight. */
async function pipelinedAppend(port: number, corpus: Corpus, side: string): Promise<AppendFigures> {
  const count = Math.floor(corpus.messages.length * PIPELINED_SHARE);
  const c = await ImapClient.login(port, MAILBOX.address, PASSWORD);
  await c.ok('CREATE Pipelined');
  await c.logout();
  log(`${side}: appending ${count} messages into a new mailbox, ${WINDOW} in flight…`);
  const pipe = await fill(port, corpus, side, 0, count, WINDOW, 'Pipelined');
  log(`${side}: APPEND pipelined ${pipe.rate.toFixed(0)} msg/s (${pipe.seconds.toFixed(1)} s; first 10 % ${pipe.first10.toFixed(0)}, last 10 % ${pipe.last10.toFixed(0)})`);
  return pipe;
}

async function selectAndFlags(port: number, n: number): Promise<number> {
  const c = await ImapClient.login(port, MAILBOX.address, PASSWORD);
  try {
    const t0 = performance.now();
    const sel = await c.ok('SELECT INBOX');
    const flags = await c.ok('UID FETCH 1:* (FLAGS)');
    const ms = performance.now() - t0;
    check(existsOf(sel.untagged) === n, `SELECT: ${existsOf(sel.untagged)} EXISTS, expected ${n}`);
    check(fetchCount(flags.untagged) === n, `UID FETCH 1:* (FLAGS): ${fetchCount(flags.untagged)} responses, expected ${n}`);
    return ms;
  } finally {
    await c.logout();
  }
}

/** 20 clients, each on its own connection with INBOX selected, in a loop of typical reads. */
async function mixedLoop(port: number, n: number, opts: Options): Promise<{ ops: number; p50: number; p99: number; count: number }> {
  const clients = await Promise.all(Array.from({ length: opts.clients }, async () => {
    const c = await ImapClient.login(port, MAILBOX.address, PASSWORD);
    await c.ok('SELECT INBOX');
    return c;
  }));
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  await Promise.all(clients.map(async (c, k) => {
    const rnd = prng(opts.seed * 7919 + k);
    while (performance.now() < deadline) {
      const r = rnd();
      const msg = 1 + Math.floor(rnd() * n);
      let cmd: string;
      let expect: number;
      if (r < 0.35) {
        // A page of the message list: 25 consecutive messages' headers and flags.
        const first = 1 + Math.floor(rnd() * (n - 24));
        cmd = `FETCH ${first}:${first + 24} (UID FLAGS RFC822.SIZE ENVELOPE)`;
        expect = 25;
      } else if (r < 0.65) {
        cmd = `FETCH ${msg} (BODYSTRUCTURE BODY.PEEK[])`; // open a message
        expect = 1;
      } else if (r < 0.9) {
        cmd = `FETCH ${n - 49}:* (UID FLAGS)`; // look for changes at the end
        expect = 50;
      } else {
        const sender = SENDERS[Math.floor(rnd() * SENDERS.length)].address.split('@')[0];
        cmd = `SEARCH FROM ${quote(sender)}`;
        expect = -1;
      }
      const reply = await c.ok(cmd);
      if (expect >= 0) check(fetchCount(reply.untagged) === expect, `${cmd}: ${fetchCount(reply.untagged)} responses`);
      latencies.push(reply.ms);
    }
  }));
  const elapsed = performance.now() - t0;
  await Promise.all(clients.map((c) => c.logout()));
  return { ops: latencies.length / (elapsed / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length };
}

/** Opens `count` connections in IDLE; the growth of the server's memory divided by `count`. */
async function idleMemory(port: number, server: ImapServer, count: number): Promise<{ rss: number; pss: number }> {
  await sleep(1500); // let the connections of earlier steps go
  const before = server.memoryKiB();
  const clients: ImapClient[] = [];
  try {
    for (let i = 0; i < count; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, count - i) }, async () => {
        const c = await ImapClient.login(port, MAILBOX.address, PASSWORD);
        clients.push(c);
        await c.ok('SELECT INBOX');
        await c.idle();
        return c;
      }));
      check(batch.length > 0, 'no IDLE connection');
    }
    await sleep(1500);
    const after = server.memoryKiB();
    log(`IDLE: ${count} connections; before ${before.rss} KiB RSS (${before.processes} processes), after ${after.rss} KiB (${after.processes})`);
    return { rss: (after.rss - before.rss) / count, pss: (after.pss - before.pss) / count };
  } finally {
    for (const c of clients) c.destroy();
  }
}

/** `parallel` loops of connect + LOGIN + SELECT + IDLE (then drop the connection) for `ms`. */
async function connectRate(port: number, opts: Options): Promise<{ rate: number; p50: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + opts.connectMs;
  await Promise.all(Array.from({ length: opts.connectParallel }, async () => {
    while (performance.now() < deadline) {
      const s = performance.now();
      const c = await ImapClient.login(port, MAILBOX.address, PASSWORD);
      await c.ok('SELECT INBOX');
      await c.idle();
      latencies.push(performance.now() - s);
      c.destroy();
    }
  }));
  const elapsed = performance.now() - t0;
  return { rate: latencies.length / (elapsed / 1000), p50: percentile(latencies, 50) };
}

/** One server from start to stop: every measurement in order. */
async function runSide(side: Side, corpus: Corpus, opts: Options, env: DovecotEnv | undefined, hash: string, running: RunningServers): Promise<SideResult> {
  let server: ImapServer;
  if (side === 'dovecot') {
    server = await startDovecot(env as DovecotEnv, MAILBOX, hash, opts);
  } else {
    const mh = await startMailhaven(MAILBOX, opts, 'imap');
    server = Object.assign(mh, {
      memoryKiB: () => {
        const m = mh.pid === undefined ? { rss: 0, pss: 0 } : processMemoryKiB(mh.pid);
        return { ...m, processes: 1 };
      },
    });
  }
  running.add(server);
  const n = corpus.messages.length;
  const watchdog = setTimeout(() => {
    console.error(`  ${side}: still running after ${opts.timeoutMs / 1000} s; stopping it`);
    void server.stop();
  }, opts.timeoutMs);
  try {
    const port = server.port;
    const warnings: string[] = [];
    const rnd = prng(opts.seed * 31 + 7);
    log(`${side}: appending ${n} messages on one connection, one at a time…`);
    const seq = await fill(port, corpus, side, 0, n, 1);
    log(`${side}: APPEND ${seq.rate.toFixed(0)} msg/s (${seq.seconds.toFixed(1)} s; first 10 % ${seq.first10.toFixed(0)}, last 10 % ${seq.last10.toFixed(0)})`);
    const append = { appendRate: seq.rate, appendFirst10: seq.first10, appendLast10: seq.last10, appendSeconds: seq.seconds };
    server.assertAlive();
    if (opts.resyncOnly) return { resync: await resync(side, port, rnd) };

    const selectFirstMs = await selectAndFlags(port, n);
    await selectAndFlags(port, n);
    const selectWarmMs = await selectAndFlags(port, n);
    log(`${side}: SELECT + UID FETCH 1:* (FLAGS) ${selectFirstMs.toFixed(0)} ms first, ${selectWarmMs.toFixed(0)} ms warm`);

    const c = await ImapClient.login(port, MAILBOX.address, PASSWORD);
    await c.ok('SELECT INBOX');
    const setA = sample(rnd, n, 200);
    const setB = sample(rnd, n, 200, new Set(setA));
    const fetchEnv = async (): Promise<number> => {
      const r = await c.ok(`FETCH ${setA.join(',')} (ENVELOPE BODYSTRUCTURE)`);
      check(fetchCount(r.untagged) === 200, `FETCH (ENVELOPE BODYSTRUCTURE): ${fetchCount(r.untagged)} responses`);
      return r.ms;
    };
    const envFirstMs = await fetchEnv();
    const envWarmMs = await fetchEnv();
    const others: number[] = [];
    for (let i = 0; i < 5; i++) {
      const set = sample(rnd, n, 200, new Set(setB));
      const r = await c.ok(`FETCH ${set.join(',')} (ENVELOPE BODYSTRUCTURE)`);
      check(fetchCount(r.untagged) === 200, `FETCH (ENVELOPE BODYSTRUCTURE): ${fetchCount(r.untagged)} responses`);
      others.push(r.ms);
    }
    const envOtherMs = median(others);
    log(`${side}: FETCH 200 × (ENVELOPE BODYSTRUCTURE) ${envFirstMs.toFixed(1)} ms first, ${envWarmMs.toFixed(1)} ms warm, ${envOtherMs.toFixed(1)} ms for other sets`);

    const body = await c.ok(`FETCH ${setB.join(',')} BODY.PEEK[]`);
    check(fetchCount(body.untagged) === 200, `FETCH BODY.PEEK[]: ${fetchCount(body.untagged)} responses`);
    const want = setB.reduce((sum, k) => sum + corpus.messages[k - 1].length, 0);
    const got = body.untagged.reduce((sum, u) => sum + u.length, 0);
    check(got >= want, `FETCH BODY.PEEK[]: ${got} bytes for ${want}`);
    log(`${side}: FETCH 200 × BODY.PEEK[] ${body.ms.toFixed(1)} ms`);

    const search = async (key: string, hits: number): Promise<number> => {
      const r = await c.ok(`SEARCH ${key}`);
      const got = searchCount(r.untagged);
      if (got !== hits) {
        // A wrong answer is reported with the figures, not fatal: the timing is still worth having.
        const hitsOff = `SEARCH ${key}: ${got} hits, expected ${hits}`;
        if (!warnings.includes(hitsOff)) warnings.push(hitsOff);
        log(`${side}: WRONG ANSWER: ${hitsOff}`);
      }
      return r.ms;
    };
    const textFirstMs = await search(`TEXT ${quote(RARE_WORD)}`, corpus.rareHits);
    const textWarmMs = await search(`TEXT ${quote(RARE_WORD)}`, corpus.rareHits);
    log(`${side}: SEARCH TEXT (${corpus.rareHits} hits) ${textFirstMs.toFixed(1)} ms first, ${textWarmMs.toFixed(1)} ms warm`);
    const fromFirstMs = await search(`FROM ${quote(FROM_KEY)}`, corpus.fromHits);
    const fromWarmMs = await search(`FROM ${quote(FROM_KEY)}`, corpus.fromHits);
    log(`${side}: SEARCH FROM (${corpus.fromHits} hits) ${fromFirstMs.toFixed(1)} ms first, ${fromWarmMs.toFixed(1)} ms warm`);

    const store = await c.ok('STORE 1:* +FLAGS.SILENT (\\Seen)');
    const unseen = await c.ok('SEARCH UNSEEN');
    check(searchCount(unseen.untagged) === 0, `after STORE: ${searchCount(unseen.untagged)} messages still unseen`);
    log(`${side}: STORE 1:* +FLAGS.SILENT (\\Seen) ${store.ms.toFixed(0)} ms`);
    await c.logout();

    log(`${side}: ${opts.clients} clients, mixed read loop for ${opts.durationMs / 1000} s…`);
    const mixed = await mixedLoop(port, n, opts);
    log(`${side}: mixed ${mixed.ops.toFixed(0)} ops/s (${mixed.count} ops), p50 ${mixed.p50.toFixed(1)} ms, p99 ${mixed.p99.toFixed(1)} ms`);

    const idle = await idleMemory(port, server, opts.idle);
    log(`${side}: ${(idle.rss).toFixed(0)} KiB RSS (${idle.pss.toFixed(0)} KiB PSS) per IDLE connection`);

    await sleep(1000);
    const conn = await connectRate(port, opts);
    log(`${side}: connect + LOGIN + SELECT + IDLE ${conn.rate.toFixed(0)}/s (${opts.connectParallel} parallel, p50 ${conn.p50.toFixed(1)} ms)`);
    server.assertAlive();
    const resyncFigures = await resync(side, port, rnd);
    const pipe = await pipelinedAppend(port, corpus, side);
    server.assertAlive();
    const figures: Figures = {
      ...append,
      pipeRate: pipe.rate,
      pipeFirst10: pipe.first10,
      pipeLast10: pipe.last10,
      pipeSeconds: pipe.seconds,
      selectFirstMs,
      selectWarmMs,
      envFirstMs,
      envWarmMs,
      envOtherMs,
      bodyMs: body.ms,
      textFirstMs,
      textWarmMs,
      fromFirstMs,
      fromWarmMs,
      storeMs: store.ms,
      mixedOps: mixed.ops,
      mixedP50: mixed.p50,
      mixedP99: mixed.p99,
      mixedCount: mixed.count,
      idleRssKiB: idle.rss,
      idlePssKiB: idle.pss,
      connectRate: conn.rate,
      connectP50: conn.p50,
      warnings,
    };
    return { figures, resync: resyncFigures };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${server.logTail()}`, { cause: err });
  } finally {
    clearTimeout(watchdog);
    await server.stop();
    removeRunDir(opts, server.dir);
    running.delete(server);
  }
}

async function resync(side: Side, port: number, rnd: () => number): Promise<ResyncFigures> {
  log(`${side}: resync case: ${CHANGES} changes by another client, then QRESYNC against a full FLAGS fetch…`);
  const r = await resyncCase(port, MAILBOX.address, PASSWORD, rnd, (s) => log(`${side}: ${s}`));
  log(`${side}: QRESYNC ${r.qresyncMs.toFixed(1)} ms, ${r.qresyncBytes} bytes (${r.vanished} vanished, ${r.fetched} FETCH); `
    + `full ${r.fullMs.toFixed(1)} ms, ${r.fullBytes} bytes`);
  return r;
}

const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 10 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const per = (x: number): string => x.toFixed(0);
const kib = (x: number): string => `${x.toFixed(0)} KiB`;

interface Row {
  op: string;
  /** Mailhaven's figure, Dovecot's, as text. */
  show: (f: Figures) => string;
  /** The main number: time (lower is better) or a rate (higher is better). */
  value: (f: Figures) => number;
  better: 'lower' | 'higher';
  target: string;
  met: (f: Figures) => boolean;
}

const ROWS: Row[] = [
  {
    op: 'APPEND, one at a time (msg/s; first → last 10 %)',
    show: (f) => `${per(f.appendRate)} (${per(f.appendFirst10)} → ${per(f.appendLast10)})`,
    value: (f) => f.appendRate,
    better: 'higher',
    target: '≥ 1,000 msg/s, flat',
    met: (f) => f.appendRate >= 1000 && f.appendLast10 >= 0.8 * f.appendFirst10,
  },
  {
    op: `APPEND, ${WINDOW} pipelined, ${PIPELINED_SHARE * 100} % into a new mailbox (msg/s; first → last 10 %)`,
    show: (f) => `${per(f.pipeRate)} (${per(f.pipeFirst10)} → ${per(f.pipeLast10)})`,
    value: (f) => f.pipeRate,
    better: 'higher',
    target: '≥ 1,000 msg/s, flat',
    met: (f) => f.pipeRate >= 1000 && f.pipeLast10 >= 0.8 * f.pipeFirst10,
  },
  {
    op: 'SELECT + UID FETCH 1:* (FLAGS) (first / again)',
    show: (f) => `${ms(f.selectFirstMs)} / ${ms(f.selectWarmMs)}`,
    value: (f) => f.selectFirstMs,
    better: 'lower',
    target: '≤ 80 ms',
    met: (f) => f.selectFirstMs <= 80,
  },
  {
    op: 'FETCH 200 × (ENVELOPE BODYSTRUCTURE) (first / warm / other sets)',
    show: (f) => `${ms(f.envFirstMs)} / ${ms(f.envWarmMs)} / ${ms(f.envOtherMs)}`,
    value: (f) => f.envFirstMs,
    better: 'lower',
    target: '≤ 5 ms, first time too',
    met: (f) => f.envFirstMs <= 5 && f.envWarmMs <= 5,
  },
  {
    op: 'FETCH BODY.PEEK[] × 200 random',
    show: (f) => ms(f.bodyMs),
    value: (f) => f.bodyMs,
    better: 'lower',
    target: '≤ 200 ms',
    met: (f) => f.bodyMs <= 200,
  },
  {
    op: 'SEARCH TEXT "word", ~1 % hits (first / warm)',
    show: (f) => `${ms(f.textFirstMs)} / ${ms(f.textWarmMs)}`,
    value: (f) => f.textWarmMs,
    better: 'lower',
    target: '≤ 100 ms',
    met: (f) => f.textFirstMs <= 100 && f.textWarmMs <= 100,
  },
  {
    op: 'SEARCH FROM "x", ~5 % hits (first / warm)',
    show: (f) => `${ms(f.fromFirstMs)} / ${ms(f.fromWarmMs)}`,
    value: (f) => f.fromWarmMs,
    better: 'lower',
    target: '≤ 50 ms',
    met: (f) => f.fromWarmMs <= 50,
  },
  {
    op: 'STORE 1:* +FLAGS.SILENT (\\Seen)',
    show: (f) => ms(f.storeMs),
    value: (f) => f.storeMs,
    better: 'lower',
    target: '≤ 500 ms',
    met: (f) => f.storeMs <= 500,
  },
  {
    op: 'mixed read loop, 20 clients (ops/s; p99)',
    show: (f) => `${per(f.mixedOps)}; p99 ${ms(f.mixedP99)}`,
    value: (f) => f.mixedOps,
    better: 'higher',
    target: '≥ 300 ops/s, p99 < 200 ms',
    met: (f) => f.mixedOps >= 300 && f.mixedP99 < 200,
  },
  {
    op: 'memory per idle IDLE connection (RSS; PSS)',
    show: (f) => `${kib(f.idleRssKiB)}; ${kib(f.idlePssKiB)}`,
    value: (f) => Math.max(f.idleRssKiB, 0.1),
    better: 'lower',
    target: '≤ 20 KB',
    met: (f) => f.idleRssKiB * 1.024 <= 20,
  },
  {
    op: 'connect + LOGIN + SELECT + IDLE (per s)',
    show: (f) => per(f.connectRate),
    value: (f) => f.connectRate,
    better: 'higher',
    target: '≥ 240 per second',
    met: (f) => f.connectRate >= 240,
  },
];

function printResults(mh: Figures | undefined, dv: Figures | undefined, opts: Options): void {
  const rows: string[][] = [['operation', 'Mailhaven', 'Dovecot', 'MH better by', 'target', 'met']];
  for (const r of ROWS) {
    let ratio = '-';
    if (mh && dv) {
      const x = r.better === 'higher' ? r.value(mh) / r.value(dv) : r.value(dv) / r.value(mh);
      ratio = `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;
    }
    rows.push([r.op, mh ? r.show(mh) : '-', dv ? r.show(dv) : '-', ratio, r.target, mh ? (r.met(mh) ? 'yes' : 'no') : '-']);
  }
  printTable(rows);
  for (const [name, f] of [['Mailhaven', mh], ['Dovecot', dv]] as const) {
    for (const w of f?.warnings ?? []) console.log(`${name} answered wrongly: ${w}`);
  }
  console.log(`("MH better by": Dovecot's time ÷ Mailhaven's, or Mailhaven's rate ÷ Dovecot's; above 1× Mailhaven is faster. `
    + 'Where two figures are shown the ratio compares the first, except for the SEARCHes (warm). '
    + `Mixed loop: ${opts.clients} clients for ${opts.durationMs / 1000} s; IDLE memory: ${opts.idle} connections; `
    + `connect: ${opts.connectParallel} in parallel for ${opts.connectMs / 1000} s.)`);
}

function printResync(mh: ResyncFigures | undefined, dv: ResyncFigures | undefined): void {
  const show = (r: ResyncFigures | undefined, time: number, bytes: number): string => (r ? `${ms(time)}; ${(bytes / 1024).toFixed(1)} KiB` : '-');
  const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? `${(b / a) >= 10 ? (b / a).toFixed(0) : (b / a).toFixed(2)}×` : '-');
  const any = mh ?? dv;
  const what = any ? `${any.flagChanges} flag changes, ${any.expunges} expunges` : '';
  printTable([
    ['resync after ' + what, 'Mailhaven', 'Dovecot', 'MH better by (time)'],
    ['QRESYNC: connect, LOGIN, ENABLE, SELECT (QRESYNC …) (time; bytes)', show(mh, mh?.qresyncMs ?? 0, mh?.qresyncBytes ?? 0), show(dv, dv?.qresyncMs ?? 0, dv?.qresyncBytes ?? 0), ratio(mh?.qresyncMs, dv?.qresyncMs)],
    ['full: connect, LOGIN, SELECT, FETCH 1:* (FLAGS) (time; bytes)', show(mh, mh?.fullMs ?? 0, mh?.fullBytes ?? 0), show(dv, dv?.fullMs ?? 0, dv?.fullBytes ?? 0), ratio(mh?.fullMs, dv?.fullMs)],
    ['QRESYNC answer: UIDs vanished; FETCH responses', mh ? `${mh.vanished}; ${mh.fetched}` : '-', dv ? `${dv.vanished}; ${dv.fetched}` : '-', ''],
  ]);
  console.log('(Medians of 3 alternating rounds; bytes are those of the SELECT and FETCH answers.)');
}

async function main(): Promise<number> {
  const opts = parseCommandLine(import.meta.url, parseOptions);
  if (opts === undefined) return 2;
  let env: DovecotEnv | undefined;
  if (opts.sides.includes('dovecot')) {
    env = checkPrerequisites(dovecotEnv);
    if (env === undefined) return 2;
  }
  const t0 = performance.now();
  const corpus = makeCorpus(opts.messages, opts.seed, MAILBOX.address);
  const sizes = corpus.messages.map((m) => m.length);
  console.log(`imap: ${opts.messages} messages (${(corpus.bytes / 1048576).toFixed(0)} MiB, median ${(median(sizes) / 1024).toFixed(1)} KiB; `
    + `"${RARE_WORD}" in ${corpus.rareHits}, from ${FROM_KEY} ${corpus.fromHits}), made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, runs in ${opts.tmp}${env ? `; Dovecot ${env.version}` : ''}`);
  const hash = await hashPassword(PASSWORD);

  const running = new RunningServers();
  running.stopOnSignals();
  const results = new Map<Side, SideResult>();
  let failed = false;
  for (const side of opts.sides) {
    if (running.interrupted) break;
    const s0 = performance.now();
    try {
      results.set(side, await runSide(side, corpus, opts, env, hash, running));
      log(`${side}: done in ${((performance.now() - s0) / 1000).toFixed(0)} s`);
    } catch (err) {
      failed = true;
      console.error(`  ${side} FAILED: ${(err as Error).message}`);
    }
  }
  if (results.size === 0) return running.interrupted ? 130 : 1;
  console.log('');
  console.log(`${opts.messages} messages in INBOX:`);
  const mh = results.get('mailhaven');
  const dv = results.get('dovecot');
  if (mh?.figures || dv?.figures) printResults(mh?.figures, dv?.figures, opts);
  console.log('');
  printResync(mh?.resync, dv?.resync);
  return running.interrupted ? 130 : failed ? 1 : 0;
}

process.exitCode = await main();
