// The resync case of bench/imap: a client that knows the mailbox comes back after another
// client made CHANGES changes (flag changes, and every tenth an expunge). It resyncs either
// with QRESYNC (ENABLE QRESYNC; SELECT INBOX (QRESYNC (uidvalidity modseq 1:maxuid))) or the
// way a client without CONDSTORE must (SELECT INBOX; FETCH 1:* (FLAGS)). Both are timed from
// connect to the last answer; the bytes are those of the SELECT (and FETCH) answers.
import { ImapClient, fetchCount } from './imap-client.ts';
import type { Reply } from './imap-client.ts';
import { median } from './report.ts';

export const CHANGES = 1000;
const EXPUNGE_EVERY = 10;
const ROUNDS = 3;

export interface ResyncFigures {
  flagChanges: number;
  expunges: number;
  /** Medians over ROUNDS alternating rounds: connect + LOGIN (+ ENABLE) + SELECT (+ FETCH). */
  qresyncMs: number;
  qresyncBytes: number;
  fullMs: number;
  fullBytes: number;
  /** What the QRESYNC SELECT reported: UIDs in VANISHED (EARLIER), FETCH responses. */
  vanished: number;
  fetched: number;
}

/** Bytes of a reply on the wire (lines plus CRLF; the tagged line's tag counted as 4 bytes). */
const bytesOf = (r: Reply): number => r.untagged.reduce((n, u) => n + u.length + 2, 0) + r.text.length + 6;

const code = (r: Reply, name: string): string | undefined => {
  for (const u of r.untagged) {
    const m = new RegExp(`\\[${name} (\\d+)\\]`, 'i').exec(u);
    if (m) return m[1];
  }
  return undefined;
};

/** The count of UIDs in the VANISHED (EARLIER) responses. */
function vanishedCount(untagged: string[]): number {
  let n = 0;
  for (const u of untagged) {
    const m = /^\* VANISHED \(EARLIER\) (\S+)/i.exec(u);
    if (!m) continue;
    for (const part of m[1].split(',')) {
      const [a, b] = part.split(':').map(Number);
      n += b === undefined ? 1 : Math.abs(b - a) + 1;
    }
  }
  return n;
}

export async function resyncCase(port: number, user: string, password: string, rnd: () => number, log: (s: string) => void): Promise<ResyncFigures> {
  // The client's cache: UIDVALIDITY, HIGHESTMODSEQ and the UIDs it knows.
  const a = await ImapClient.login(port, user, password);
  await a.ok('ENABLE QRESYNC');
  const sel = await a.ok('SELECT INBOX');
  const uidValidity = code(sel, 'UIDVALIDITY');
  const modseq = code(sel, 'HIGHESTMODSEQ');
  const uidNext = Number(code(sel, 'UIDNEXT'));
  if (uidValidity === undefined || modseq === undefined) throw new Error('resync: no UIDVALIDITY or HIGHESTMODSEQ in SELECT');
  const all = await a.ok('UID SEARCH ALL');
  const uids = (all.untagged.find((u) => /^\* SEARCH/i.test(u)) ?? '').split(' ').slice(2).map(Number);
  await a.logout();
  if (uids.length < CHANGES) throw new Error(`resync: needs at least ${CHANGES} messages`);

  // Another client: CHANGES changes, one command each (each its own MODSEQ).
  const picked = new Set<number>();
  while (picked.size < CHANGES) picked.add(uids[Math.floor(rnd() * uids.length)]);
  const b = await ImapClient.login(port, user, password);
  await b.ok('SELECT INBOX');
  let expunges = 0;
  let k = 0;
  for (const uid of picked) {
    if (k++ % EXPUNGE_EVERY === 0) {
      await b.ok(`UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
      await b.ok(`UID EXPUNGE ${uid}`);
      expunges++;
    } else await b.ok(`UID STORE ${uid} +FLAGS.SILENT (\\Flagged)`);
  }
  await b.logout();
  const flagChanges = CHANGES - expunges;
  const left = uids.length - expunges;
  log(`resync: ${flagChanges} flag changes and ${expunges} expunges made; ${left} messages left`);

  const q: number[] = [];
  const qBytes: number[] = [];
  const f: number[] = [];
  const fBytes: number[] = [];
  let vanished = 0;
  let fetched = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    const c = await ImapClient.login(port, user, password);
    await c.ok('ENABLE QRESYNC');
    const r = await c.ok(`SELECT INBOX (QRESYNC (${uidValidity} ${modseq} 1:${uidNext - 1}))`);
    q.push(performance.now() - t0);
    qBytes.push(bytesOf(r));
    vanished = vanishedCount(r.untagged);
    fetched = fetchCount(r.untagged);
    c.destroy();

    t0 = performance.now();
    const d = await ImapClient.login(port, user, password);
    const s = await d.ok('SELECT INBOX');
    const flags = await d.ok('FETCH 1:* (FLAGS)');
    f.push(performance.now() - t0);
    fBytes.push(bytesOf(s) + bytesOf(flags));
    if (fetchCount(flags.untagged) !== left) throw new Error(`resync: FETCH 1:* (FLAGS) gave ${fetchCount(flags.untagged)} of ${left}`);
    d.destroy();
  }
  return { flagChanges, expunges, qresyncMs: median(q), qresyncBytes: median(qBytes), fullMs: median(f), fullBytes: median(fBytes), vanished, fetched };
}
