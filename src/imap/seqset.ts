// Sequence sets (RFC 9051 §9 sequence-set, RFC 5182 "$"): a compact list of ranges.

/** "*": the largest number in use. 0 is never a valid seq-number, so it cannot collide. */
export const STAR = 0;

/** [low, high], low <= high; a range with "*" keeps it as high: "*:4" is [4, STAR]. */
export type SeqRange = readonly [number, number];

export type SequenceSet = {
  readonly ranges: readonly SeqRange[];
  /** "$" appeared: the result saved by SEARCH RETURN (SAVE) (RFC 5182 §2.1). */
  readonly saved: boolean;
};

const MAX_NUMBER = 0xffff_ffff; // nz-number: 0 < n < 4,294,967,296

/** Parse the text of a sequence-set, or return an error message. */
export function parseSequenceSet(text: string, maxRanges: number): SequenceSet | string {
  const ranges: SeqRange[] = [];
  let saved = false;
  for (const item of text.split(',')) {
    if (item === '$') {
      saved = true;
      continue;
    }
    const colon = item.indexOf(':');
    const a = seqNumber(colon < 0 ? item : item.slice(0, colon));
    const b = colon < 0 ? a : seqNumber(item.slice(colon + 1));
    if (typeof a === 'string') return a;
    if (typeof b === 'string') return b;
    if (ranges.length >= maxRanges) return `Too many ranges in sequence set (at most ${maxRanges})`;
    if (a === STAR) ranges.push([b === STAR ? STAR : b, STAR]);
    else if (b === STAR) ranges.push([a, STAR]);
    else ranges.push(a <= b ? [a, b] : [b, a]);
  }
  return { ranges, saved };
}

function seqNumber(s: string): number | string {
  if (s === '*') return STAR;
  if (!/^[1-9][0-9]*$/.test(s)) return `Invalid sequence number "${s.slice(0, 20)}"`;
  if (s.length > 10 || Number(s) > MAX_NUMBER) return 'Sequence number out of range';
  return Number(s);
}

/**
 * The numbers a set stands for, as sorted, merged [low, high] ranges, given what "*" means
 * (the largest sequence number or UID in use) and what "$" holds. Ranges are clipped to
 * `largest` only through "*": "5:7" stays 5..7 even if fewer messages exist.
 */
export function resolveSequenceSet(
  set: SequenceSet,
  largest: number,
  saved: readonly SeqRange[] = [],
): Array<[number, number]> {
  const all: Array<[number, number]> = [];
  for (const [lo, hi] of set.ranges) {
    const a = lo === STAR ? largest : lo;
    const b = hi === STAR ? largest : hi;
    if (a === 0 && b === 0) continue; // "*" in an empty mailbox
    all.push(a <= b ? [a, b] : [b, a]);
  }
  if (set.saved) for (const [lo, hi] of saved) all.push([lo, hi]);
  all.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of all) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** Write sorted ascending numbers compactly: [1,2,3,5] → "1:3,5" (COPYUID, ESEARCH ALL). */
export function formatNumberSet(sorted: Iterable<number>): string {
  const parts: string[] = [];
  let lo = -1;
  let hi = -1;
  for (const n of sorted) {
    if (lo >= 0 && n === hi + 1) {
      hi = n;
      continue;
    }
    if (lo >= 0) parts.push(lo === hi ? `${lo}` : `${lo}:${hi}`);
    lo = hi = n;
  }
  if (lo >= 0) parts.push(lo === hi ? `${lo}` : `${lo}:${hi}`);
  return parts.join(',');
}

/** Write a parsed set back in IMAP syntax (for logs and tests). */
export function formatSequenceSet(set: SequenceSet): string {
  const star = (n: number): string => (n === STAR ? '*' : `${n}`);
  const parts = set.ranges.map(([lo, hi]) => (lo === hi ? star(lo) : `${star(lo)}:${star(hi)}`));
  if (set.saved) parts.push('$');
  return parts.join(',');
}
