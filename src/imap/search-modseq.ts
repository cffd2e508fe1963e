// The MODSEQ a SEARCH with a MODSEQ criterion returns (RFC 7162 §3.1.5, §3.1.6, §3.1.10;
// RFC 4731 §3.2 for ESEARCH): the highest MODSEQ of the messages whose numbers are returned.
import type { SearchKey } from './ast.ts';
import type { Session } from './session.ts';

/** Whether a MODSEQ key appears anywhere in the criteria. */
export function usesModSeq(keys: readonly SearchKey[]): boolean {
  return keys.some((k) => {
    if (k.key === 'MODSEQ') return true;
    if (k.key === 'NOT') return usesModSeq([k.operand]);
    if (k.key === 'OR') return usesModSeq([k.left, k.right]);
    if (k.key === 'AND') return usesModSeq(k.operands);
    return false;
  });
}

/**
 * The highest MODSEQ among the UIDs found (in result order: ascending for SEARCH, the sort's
 * for SORT); with ESEARCH RETURN of only MIN and/or MAX, among those messages alone (RFC 4731
 * §3.2, RFC 5267 §3.1: the first and last in result order). 0 when nothing was found.
 */
export async function searchModSeq(s: Session, uids: readonly number[], ret?: ReadonlySet<string>): Promise<number> {
  if (uids.length === 0) return 0;
  let of = uids;
  if (ret !== undefined && !ret.has('ALL') && !ret.has('COUNT') && (ret.has('MIN') || ret.has('MAX'))) {
    of = [...(ret.has('MIN') ? [uids[0]] : []), ...(ret.has('MAX') ? [uids[uids.length - 1]] : [])];
  }
  if (!of.every((u, i) => i === 0 || of[i - 1] < u)) of = [...new Set(of)].sort((a, b) => a - b); // the table reads ascending UIDs
  const t = await s.deps.store.flagTable(s.selected!.mailbox.id, of, true);
  let max = 0;
  for (const m of t.modSeqs ?? []) if (m > max) max = m;
  return max;
}
