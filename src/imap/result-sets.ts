// Result lists of SEARCH and SORT as the wire wants them: RFC 5267 §3.2 sets in a given
// order, and RFC 9394 PARTIAL pages.
import type { PartialRange } from './ast.ts';

/** Numbers in a given order as a sequence-set: ranges only where they ascend by one
 *  (RFC 5267 §3.2: 10:12 is fine, 12:10 is not to be sent). */
export function formatOrderedSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    parts.push(j === i ? `${numbers[i]}` : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** RFC 9394 §3: the results at positions first..last (1-based; negative counts from the end). */
export function partialSlice<T>(results: readonly T[], range: PartialRange): T[] {
  const a = Math.abs(range.first);
  const b = Math.abs(range.last);
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (range.first > 0) return results.slice(lo - 1, hi);
  const n = results.length;
  return results.slice(Math.max(0, n - hi), Math.max(0, n - lo + 1));
}
