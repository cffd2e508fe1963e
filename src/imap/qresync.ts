// QRESYNC resynchronisation (RFC 7162 §3.2.5, §3.2.6): VANISHED (EARLIER) for the UIDs a
// client may still hold, and the messages whose flags changed since its MODSEQ. Shared by
// SELECT/EXAMINE (QRESYNC ...) and UID FETCH (CHANGEDSINCE n VANISHED).
import type { FetchItem, QresyncParams } from './ast.ts';
import { writeFlagFetches } from './commands/fetch.ts';
import type { MailboxView } from './mailbox-view.ts';
import { formatNumberSet, resolveSequenceSet, type SequenceSet } from './seqset.ts';
import type { Session } from './session.ts';

/** A client's mod-sequence (up to 2^63 - 1) as a store MODSEQ: ours never come near 2^53. */
export function toModSeq(b: bigint): number {
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(b);
}

/** Ascending inclusive ranges intersected (both sorted, each non-overlapping). */
export function intersectRanges(a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/** Ranges written as a sequence set: "1:3,7" */
const formatRanges = (ranges: readonly (readonly [number, number])[]): string =>
  ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}:${hi}`)).join(',');

/**
 * Sends `* VANISHED (EARLIER) ...` for the UIDs in `scope` expunged after `modSeq`, above
 * `floor` (seq-match data, §3.2.5.2), leaving out any UID the view still holds (its expunge is
 * pending and will be told as a plain VANISHED). Sends nothing when there are none.
 */
export async function sendVanishedEarlier(s: Session, view: MailboxView, modSeq: number, scope: [number, number][], floor = 0): Promise<void> {
  let ranges = intersectRanges(await s.deps.store.vanishedSince(view.mailbox.id, modSeq), scope);
  if (floor > 0) ranges = intersectRanges(ranges, [[floor + 1, Number.MAX_SAFE_INTEGER]]);
  if (ranges.length === 0) return;
  // Ranges are never live messages, except an expunge this session has not told yet.
  const pending = [...view.pendingExpunge].filter((u) => view.seqOf(u) > 0);
  if (pending.length > 0) {
    const drop = new Set(pending);
    const uids: number[] = [];
    for (const [lo, hi] of ranges) for (let u = lo; u <= hi; u++) if (!drop.has(u)) uids.push(u);
    if (uids.length > 0) await s.untagged(`VANISHED (EARLIER) ${formatNumberSet(uids)}`);
    return;
  }
  await s.untagged(`VANISHED (EARLIER) ${formatRanges(ranges)}`);
}

const FLAG_ITEMS: readonly FetchItem[] = [{ item: 'UID' }, { item: 'FLAGS' }, { item: 'MODSEQ' }];

/**
 * After SELECT/EXAMINE (QRESYNC (uidvalidity modseq [known-uids [seq-match]])) has sent the
 * usual responses and selected `view`: what changed since the client's MODSEQ (§3.2.5.1).
 * A UIDVALIDITY that does not match means the parameters are ignored.
 */
export async function qresyncSelect(s: Session, view: MailboxView, p: QresyncParams): Promise<void> {
  if (p.uidValidity !== view.mailbox.uidValidity) return;
  const modSeq = toModSeq(p.modseq);
  const maxUid = Math.max(view.mailbox.uidNext - 1, view.lastUid);
  if (maxUid === 0) return; // never had a message: the known UIDs are an empty set
  const scope = p.knownUids === undefined ? [[1, maxUid] as [number, number]] : resolveSequenceSet(p.knownUids, maxUid);
  await sendVanishedEarlier(s, view, modSeq, scope, matchedFloor(view, p.seqMatch));
  const changed = await s.deps.store.changedSince(view.mailbox.id, uidsIn(view, scope), modSeq);
  if (changed.length > 0) await writeFlagFetches(s, changed, FLAG_ITEMS);
}

/** The view's UIDs inside the ranges, ascending. */
export function uidsIn(view: MailboxView, ranges: readonly (readonly [number, number])[]): number[] {
  const out: number[] = [];
  for (const [lo, hi] of ranges) {
    for (let seq = Math.max(1, view.seqAtOrAbove(lo)); seq <= view.exists; seq++) {
      const u = view.uids[seq - 1];
      if (u > hi) break;
      out.push(u);
    }
  }
  return out;
}

/**
 * §3.2.5.2: the highest UID of the client's (seq, uid) samples that still sits at that
 * sequence number; the client knows every expunge up to it. 0 when none matches.
 */
function matchedFloor(view: MailboxView, m: { seqs: SequenceSet; uids: SequenceSet } | undefined): number {
  if (m === undefined) return 0;
  const seqs = expand(m.seqs);
  const uids = expand(m.uids);
  if (seqs === null || uids === null || seqs.length !== uids.length) return 0;
  let floor = 0;
  for (let i = 0; i < seqs.length; i++) if (seqs[i] <= view.exists && view.uids[seqs[i] - 1] === uids[i]) floor = Math.max(floor, uids[i]);
  return floor;
}

/** The numbers of a plain set in the order given, or null when it is too large to matter. */
function expand(set: SequenceSet): number[] | null {
  const out: number[] = [];
  for (const [lo, hi] of set.ranges) {
    if (out.length + (hi - lo + 1) > 100_000) return null;
    for (let n = lo; n <= hi; n++) out.push(n);
  }
  return out;
}
