// The bookkeeping of expunged UIDs for QRESYNC (RFC 7162 §3.2.5, §3.2.6), as ranges.
//
// Every expunge remembers its UIDs with the MODSEQ it got, one row per run of consecutive UIDs.
// Left alone the table would grow with every expunge for ever; instead, once in a while
// (whenever a mailbox's row count passes another multiple of COMPACT_EVERY), the older half of
// the rows is compacted: runs that touch (last + 1 = next first) merge into one range carrying
// the highest MODSEQ of its parts. Nothing is forgotten, only blurred: a client resyncing from a
// MODSEQ between two merged expunges hears of a few UIDs it already knew were gone, which
// VANISHED (EARLIER) allows (§3.2.10.1: it may name UIDs the client does not have). Runs never
// merge across a live message, so a range holds expunged UIDs only; the table is bounded by the
// live messages plus the recent expunges.

export type ExpungedRange = { uid: number; last: number; modseq: number };

/** Rows added between two compactions of one mailbox. */
export const COMPACT_EVERY = 1024;

/** Sorted, distinct UIDs as [first, last] runs of consecutive UIDs. */
export function consecutiveRuns(uids: readonly number[]): [number, number][] {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const u of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && u === last[1] + 1) last[1] = u;
    else out.push([u, u]);
  }
  return out;
}

/**
 * Merges touching ranges whose MODSEQs are both at or below the median MODSEQ (the newer half
 * stays exact, so a client that synced recently gets an exact answer). `rows` ascend by UID.
 * Returns the rows to keep, or null when nothing merges.
 */
export function compactRanges(rows: readonly ExpungedRange[]): ExpungedRange[] | null {
  if (rows.length < 2) return null;
  const sorted = rows.map((r) => r.modseq).sort((a, b) => a - b);
  const cutoff = sorted[Math.floor((sorted.length - 1) / 2)];
  const out: ExpungedRange[] = [];
  let merged = false;
  for (const r of rows) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.last + 1 === r.uid && prev.modseq <= cutoff && r.modseq <= cutoff) {
      prev.last = r.last;
      prev.modseq = Math.max(prev.modseq, r.modseq);
      merged = true;
    } else out.push({ ...r });
  }
  return merged ? out : null;
}
