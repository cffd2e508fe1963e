// The queue store's collection of finished messages: only messages with no recipient queued or
// in flight are taken, through the finished markers (an index lookup, not a scan of every queued
// message), on a fresh database and on one upgraded from before the markers existed.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, openDatabase, type Db } from '../../src/db/sqlite.ts';
import { QUEUE_MIGRATIONS } from '../../src/queue/schema.ts';
import { Spool } from '../../src/queue/spool.ts';
import { FINISHED_SQL, QueueStore, type Outcome, type QueuedMessage } from '../../src/queue/store.ts';

const delivered: Outcome = { kind: 'delivered', code: 250, reply: '250 ok', host: 'mx.test' };
const bounced: Outcome = { kind: 'bounced', code: 550, reply: '550 no', host: 'mx.test' };
const expired: Outcome = { kind: 'expired', code: 450, reply: '450 later', host: 'mx.test' };
const deferred = (now: number): Outcome => ({ kind: 'deferred', code: 451, reply: '451 later', host: 'mx.test', nextAttemptAt: now + 3_600_000, delayNotified: false });

function message(id: string, now: number): QueuedMessage {
  return { id, sender: 's@here.test', ret: null, envid: null, size: 10, file: `${id}.eml`, messageId: `${id}@here.test`, origin: 'submission', originSid: null, account: null, createdAt: now };
}

/** Queues `id` with one recipient per name; returns the recipient row ids by name. */
function enqueue(store: QueueStore, id: string, names: string[], now: number): Map<string, number> {
  store.insert(message(id, now), names.map((n) => ({ address: `${n}@dead.test`, domain: 'dead.test', notify: null, orcpt: null })), now);
  return new Map(store.recipients(id).map((r) => [r.address.split('@')[0], r.id]));
}

/** One attempt: claims everything due, then records `outcome(address)` for each. */
function attempt(store: QueueStore, now: number, outcome: (address: string) => Outcome): void {
  for (const r of store.claimDue(now, 1000)) store.record(r.id, outcome(r.address), now);
}

const taken = (store: QueueStore) => store.takeFinished().map((m) => m.id).sort();

describe('QueueStore.takeFinished', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('takes only the messages none of whose recipients is queued or in flight', () => {
    const db = openDatabase(':memory:');
    const store = new QueueStore(db);
    const now = Date.now();
    enqueue(store, 'DELIVERED', ['a'], now);
    enqueue(store, 'MIXED', ['done', 'later'], now);
    enqueue(store, 'DEFERRED', ['x', 'y'], now);
    enqueue(store, 'FAILED', ['bounce', 'expire'], now);
    enqueue(store, 'REMOVED', ['r1', 'r2'], now);
    enqueue(store, 'FRESH', ['f'], now + 60_000);
    attempt(store, now, (a) => {
      if (a.startsWith('a@') || a.startsWith('done@')) return delivered;
      if (a.startsWith('bounce@')) return bounced;
      if (a.startsWith('expire@')) return expired;
      return deferred(now);
    });
    assert.equal(store.remove('REMOVED'), 2);
    assert.deepEqual(taken(store), ['DELIVERED', 'FAILED', 'REMOVED']);
    assert.deepEqual(taken(store), [], 'each message is taken once');
    assert.deepEqual([...store.files()].sort(), ['DEFERRED.eml', 'FRESH.eml', 'MIXED.eml']);

    // A recipient in flight keeps its message, even when all others are final.
    const inflight = enqueue(store, 'INFLIGHT', ['p', 'q'], now);
    store.claimDue(now, 1000);
    store.record(inflight.get('p')!, delivered, now);
    assert.deepEqual(taken(store), []);
    store.record(inflight.get('q')!, bounced, now);
    assert.deepEqual(taken(store), ['INFLIGHT']);

    // The last live recipient of MIXED is delivered on its retry: only then does MIXED go.
    const later = now + 3_600_000;
    attempt(store, later, (a) => (a.startsWith('later@') ? delivered : deferred(later)));
    assert.deepEqual(taken(store), ['MIXED']);
    assert.deepEqual([...store.files()].sort(), ['DEFERRED.eml', 'FRESH.eml']);
    assert.equal(db.prepare('SELECT count(*) AS n FROM queue_recipients').get()?.n, 3, 'recipients of taken messages went with them');
  });

  it('reads the finished markers and looks messages up by key, never scanning the queue', () => {
    const db = openDatabase(':memory:');
    new QueueStore(db);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${FINISHED_SQL}`).all() as { detail: string }[]).map((r) => r.detail);
    // queue_finished holds only finished messages; queue_messages and queue_recipients are searched by key.
    assert.ok(plan.some((d) => /^SCAN f\b/.test(d)), plan.join('\n'));
    assert.ok(plan.some((d) => /^SEARCH m USING INDEX sqlite_autoindex_queue_messages_1 \(id=\?\)/.test(d)), plan.join('\n'));
    assert.ok(plan.some((d) => /^SEARCH r USING INDEX queue_recipients_message \(queue_id=\?\)/.test(d)), plan.join('\n'));
    assert.ok(!plan.some((d) => /^SCAN (m|r)\b/.test(d)), plan.join('\n'));
  });

  it('a database from before the markers is upgraded in place and its finished messages are found', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mailhaven-queue-store-'));
    dirs.push(dir);
    const file = path.join(dir, 'mailhaven.db');
    const old: Db = openDatabase(file);
    migrate(old, 'queue', QUEUE_MIGRATIONS.slice(0, 1));
    const now = Date.now();
    const ins = old.prepare('INSERT INTO queue_messages (id, sender, size, file, origin, created_at) VALUES (?, ?, 10, ?, ?, ?)');
    const rcpt = old.prepare("INSERT INTO queue_recipients (queue_id, address, domain, state, next_attempt_at) VALUES (?, ?, 'dead.test', ?, ?)");
    for (const [id, states] of [['OLDDONE', ['delivered', 'bounced']], ['OLDLIVE', ['delivered', 'queued']], ['OLDFLIGHT', ['inflight']]] as const) {
      ins.run(id, 's@here.test', `${id}.eml`, 'submission', now);
      for (const [i, st] of states.entries()) rcpt.run(id, `r${i}@dead.test`, st, now);
    }
    old.close();

    const db = openDatabase(file);
    const store = new QueueStore(db);
    assert.equal(db.prepare("SELECT version FROM schema_versions WHERE module = 'queue'").get()?.version, QUEUE_MIGRATIONS.length);
    assert.deepEqual(taken(store), ['OLDDONE']);
    // The triggers work on upgraded rows as on new ones.
    store.releaseInflight(now);
    attempt(store, now, () => delivered);
    assert.deepEqual(taken(store), ['OLDFLIGHT', 'OLDLIVE']);
    db.close();
  });

  it('a crash between the row deletion and the file removal leaves an orphan file that start-up sweeps, and no message', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mailhaven-queue-store-'));
    dirs.push(dir);
    const file = path.join(dir, 'mailhaven.db');
    const spool = new Spool(path.join(dir, 'queue'));
    let db = openDatabase(file);
    let store = new QueueStore(db);
    const now = Date.now();
    for (const [id, name] of [['GONE', 'gone'], ['WAITING', 'wait']]) {
      await writeFile(path.join(spool.dir, `${id}.eml`), 'Subject: x\r\n\r\nbody\r\n');
      enqueue(store, id, [name], now);
    }
    attempt(store, now, (a) => (a.startsWith('gone@') ? delivered : deferred(now)));
    assert.deepEqual(taken(store), ['GONE']);
    db.close(); // the crash: the row is gone, the file is not

    db = openDatabase(file);
    store = new QueueStore(db);
    assert.deepEqual(taken(store), [], 'nothing is taken twice');
    assert.equal(store.message('GONE'), null, 'the message does not come back');
    assert.equal(await spool.sweep(store.files(), 0), 1);
    assert.deepEqual(await readdir(spool.dir), ['WAITING.eml']);
    assert.equal(store.active().length, 1);
    db.close();
  });
});
