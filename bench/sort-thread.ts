/**
 * bench/sort-thread — SORT and THREAD on a large mailbox, at the store (no network): how long
 * the SQL ordering and the threading take once the per-message keys are in message_keys.
 *
 * The mailbox is built in a temporary SQLite index the way delivery builds it (parseMessage,
 * IndexWriter.insertMessage; no message files: SORT and THREAD never open one). Messages come
 * in threads of 1-12, replies with "Re: " subjects and References chains (some with a missing
 * first message), 20 senders, dates spread over a year. Then each operation runs 5 times on
 * the whole mailbox (ALL) and 5 times with a search criterion; printed are the medians of the
 * wall-clock time and of the CPU time of this process (process.cpuUsage: on a busy shared
 * machine the CPU time is the steadier figure, as all of it is synchronous work on one
 * thread). Dovecot has no store-level equivalent, so this one has no peer column.
 *
 *   export PATH=/work/main/node_modules/.bin:$PATH
 *   node bench/sort-thread.ts                  # 100,000 messages
 *   node bench/sort-thread.ts --messages 20000
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/logger.ts';
import { openDatabase } from '../src/db/sqlite.ts';
import { orderedSubject } from '../src/imap/thread/ordered-subject.ts';
import { referencesThreads } from '../src/imap/thread/references.ts';
import { formatThreads } from '../src/imap/thread/tree.ts';
import { parseMessage } from '../src/mime/parse-message.ts';
import type { Criteria } from '../src/store/search-criteria.ts';
import { ImapSql } from '../src/store/sqlite-maildir/imap-sql.ts';
import { IndexWriter } from '../src/store/sqlite-maildir/index-writer.ts';
import { STORE_MIGRATIONS } from '../src/store/sqlite-maildir/schema.ts';
import { sortMessages, threadInfo } from '../src/store/sqlite-maildir/sort-thread.ts';
import type { StoreContext } from '../src/store/sqlite-maildir/store-context.ts';
import type { SortCriterion } from '../src/store/store.ts';
import { migrate, transaction } from '../src/db/sqlite.ts';
import { prng, SENDERS } from './lib/corpus.ts';
import { median, printTable } from './lib/report.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('usage: node bench/sort-thread.ts [--messages N]');
  process.exit(0);
}
const N = Number(values.messages);
const ACCOUNT = { id: 1, local: 'bench', domain: 'bench.test' };

function message(i: number, thread: number, pos: number, rnd: () => number): Buffer {
  const s = SENDERS[Math.floor(rnd() * SENDERS.length)];
  const date = new Date(Date.UTC(2024, 0, 1) + Math.floor(rnd() * 365 * 86_400_000)).toUTCString().replace('GMT', '+0000');
  const refs = Array.from({ length: pos }, (_, k) => `<t${thread}.${k}@bench.test>`).filter((_, k) => k > 0 || thread % 7 !== 0);
  return Buffer.from([
    `From: ${s.name} <${s.address}>`, 'To: Bench <bench@bench.test>', `Date: ${date}`,
    `Subject: ${pos > 0 ? 'Re: ' : ''}${thread % 3 === 0 ? '[list] ' : ''}Topic number ${thread}`,
    `Message-ID: <t${thread}.${pos}@bench.test>`, ...(refs.length ? [`References: ${refs.join(' ')}`] : []),
    '', `Message ${i} of thread ${thread}.`, '',
  ].join('\r\n'));
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-sort-bench-'));
try {
  const db = openDatabase(path.join(dir, 'index.db'));
  migrate(db, 'store', STORE_MIGRATIONS);
  const index = new IndexWriter(db);
  const box = index.ensureMailbox(ACCOUNT.id, 'INBOX', '', null, true);
  const rnd = prng(1);
  let t0 = performance.now();
  const pending: Buffer[] = [];
  for (let i = 0, thread = 0; i < N; thread++) {
    const size = 1 + Math.floor(rnd() * 12);
    for (let pos = 0; pos < size && i < N; pos++, i++) pending.push(message(i, thread, pos, rnd));
  }
  // Threads interleave in a real mailbox: shuffle the arrival order.
  for (let i = pending.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [pending[i], pending[j]] = [pending[j], pending[i]];
  }
  for (let i = 0; i < pending.length; i += 1000) {
    transaction(db, () => {
      for (const raw of pending.slice(i, i + 1000)) {
        index.insertMessage(box.id, { file: 'x', size: raw.length, dataOffset: 0, internalDate: Date.now(), flags: 0, keywords: null, parsed: parseMessage(raw) });
      }
    });
  }
  console.log(`${N} messages indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const ctx = {
    db, index, sql: new ImapSql(db, index), mailRoot: dir, log: silentLogger(),
    search: () => ({ search: async () => [] }),
  } as unknown as StoreContext;
  const ALL: Criteria = { op: 'everything' };
  const SOME: Criteria = { op: 'field', field: 'from', value: SENDERS[0].address };
  const time = async (fn: () => Promise<unknown>, runs = 5): Promise<string> => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      t0 = performance.now();
      const c0 = process.cpuUsage();
      await fn();
      const c = process.cpuUsage(c0);
      wall.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    return `${median(wall).toFixed(0)} / ${median(cpu).toFixed(0)}`;
  };
  const sorts: [string, SortCriterion[]][] = [
    ['SORT (ARRIVAL)', [{ key: 'arrival', reverse: false }]],
    ['SORT (REVERSE DATE)', [{ key: 'date', reverse: true }]],
    ['SORT (SIZE)', [{ key: 'size', reverse: false }]],
    ['SORT (SUBJECT)', [{ key: 'subject', reverse: false }]],
    ['SORT (FROM DATE)', [{ key: 'from', reverse: false }, { key: 'date', reverse: false }]],
    ['SORT (DISPLAYFROM)', [{ key: 'displayfrom', reverse: false }]],
  ];
  const rows: string[][] = [['operation', 'ALL: wall / CPU (ms)', 'FROM one sender, ~5 %: wall / CPU (ms)']];
  for (const [name, order] of sorts) {
    rows.push([name, await time(() => sortMessages(ctx, ACCOUNT, box.id, ALL, order)), await time(() => sortMessages(ctx, ACCOUNT, box.id, SOME, order))]);
  }
  const uids = await sortMessages(ctx, ACCOUNT, box.id, ALL, []);
  const some = await sortMessages(ctx, ACCOUNT, box.id, SOME, []);
  for (const [name, algo] of [['THREAD REFERENCES', referencesThreads], ['THREAD ORDEREDSUBJECT', orderedSubject]] as const) {
    const run = (list: number[]) => async () => formatThreads(algo(await threadInfo(ctx, ACCOUNT, box.id, list)), (u) => u);
    rows.push([name, await time(run(uids)), await time(run(some))]);
  }
  printTable(rows, true);
  db.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
