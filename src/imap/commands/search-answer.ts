// What SEARCH, SORT and THREAD share: criteria from the session's view, and the answer of a
// search or sort: the plain SEARCH/SORT response, or ESEARCH (RFC 4731, RFC 5267 §3.1 ESORT)
// with MIN, MAX, ALL, COUNT and PARTIAL (RFC 9394), RFC 5182 SAVE into "$", and RFC 5267
// §4.3 UPDATE (a live search, search-contexts.ts).
import type { PartialRange, SearchKey, SearchReturn } from '../ast.ts';
import { resolveSequenceSet } from '../seqset.ts';
import { formatNumberSet } from '../seqset.ts';
import { toCriteria } from '../search-translate.ts';
import { formatOrderedSet, partialSlice } from '../result-sets.ts';
import type { Session } from '../session.ts';
import type { Criteria } from '../../store/search-criteria.ts';
import type { SortCriterion } from '../../store/store.ts';
import { MAX_CONTEXTS, SearchContexts } from '../search-contexts.ts';
import { searchModSeq } from '../search-modseq.ts';

export function criteriaOf(s: Session, keys: readonly SearchKey[]): Criteria {
  const view = s.selected!;
  return toCriteria(keys, {
    uidsOfSeqSet: (set) => view.rangesOf(view.uidsOfSeqSet(set)),
    uidRanges: (set) => resolveSequenceSet(set, view.lastUid, view.savedRanges()),
    get recent() {
      return view.recentUids();
    },
  });
}

export type SearchAnswer = {
  tag: string;
  uid: boolean;
  /** 'SEARCH': results in mailbox order; 'SORT': in the order asked. */
  verb: 'SEARCH' | 'SORT';
  return?: readonly SearchReturn[];
  partial?: PartialRange;
  /** What an UPDATE context runs again: the criteria, and the order (null for SEARCH). */
  criteria: Criteria;
  order: readonly SortCriterion[] | null;
  /** The criteria named MODSEQ: the answer carries the highest MODSEQ found (RFC 7162 §3.1.5). */
  modSeq?: boolean;
};

/** RFC 5267 §4.3: UPDATE under a tag that already names a live search is refused. */
export function reusedUpdateTag(s: Session, tag: string, ret: readonly SearchReturn[] | undefined): boolean {
  return ret?.includes('UPDATE') === true && s.selected?.contexts?.live.has(tag) === true;
}

/** Writes the answer for `uids` (already in result order, all in the view) and saves "$". */
export async function answer(s: Session, a: SearchAnswer, uids: readonly number[]): Promise<void> {
  const view = s.selected!;
  const numbers = a.uid ? uids : uids.map((u) => view.seqOf(u));
  const ret = a.return ?? (a.verb === 'SEARCH' && s.rev2 ? [] : undefined);
  if (ret === undefined) {
    const modSeq = a.modSeq ? await searchModSeq(s, uids) : 0;
    await s.untagged(`${a.verb}${numbers.map((n) => ' ' + n).join('')}${modSeq > 0 ? ` (MODSEQ ${modSeq})` : ''}`);
    return;
  }
  const want = new Set<string>(ret.length === 0 && a.partial === undefined ? ['ALL'] : ret);
  const part = a.partial === undefined ? null : partialSlice(numbers, a.partial);
  if (want.has('SAVE')) {
    // RFC 5182 §2.4: with ALL or COUNT everything found; with only MIN/MAX those; a PARTIAL
    // page alone saves that page (what was returned).
    let saved: readonly number[] = uids;
    if (!want.has('ALL') && !want.has('COUNT')) {
      if (want.has('MIN') || want.has('MAX')) saved = [...(want.has('MIN') ? uids.slice(0, 1) : []), ...(want.has('MAX') ? uids.slice(-1) : [])];
      else if (a.partial !== undefined) saved = partialSlice(uids, a.partial);
    }
    view.savedResult = [...new Set(saved)].sort((x, y) => x - y);
  }
  let refused = false;
  if (want.has('UPDATE')) {
    const cx = (view.contexts ??= new SearchContexts());
    if (cx.live.size >= MAX_CONTEXTS) refused = true;
    else {
      cx.live.set(a.tag, { tag: a.tag, uid: a.uid, criteria: a.criteria, order: a.order, results: [...uids] });
      // Changes that came in before there was a context to mark: look once more after the command.
      cx.dirty = true;
    }
  }
  const data = ['MIN', 'MAX', 'ALL', 'COUNT', 'UPDATE'].some((w) => want.has(w)) || part !== null;
  // SAVE (with CONTEXT, a mere hint) asks for no ESEARCH response (RFC 5182 §2.2 example 1).
  const modSeq = a.modSeq && numbers.length > 0 ? await searchModSeq(s, uids, want) : 0;
  if (data || !want.has('SAVE')) await s.untagged(esearch(a, want, numbers, part) + (modSeq > 0 ? ` MODSEQ ${modSeq}` : ''));
  if (refused) await s.untagged(`NO [NOUPDATE "${a.tag}"] Too many live searches`);
}

function esearch(a: SearchAnswer, want: ReadonlySet<string>, numbers: readonly number[], part: readonly number[] | null): string {
  const set = (ns: readonly number[]): string => (a.verb === 'SORT' ? formatOrderedSet(ns) : formatNumberSet(ns));
  let text = `ESEARCH (TAG "${a.tag}")${a.uid ? ' UID' : ''}`;
  if (numbers.length > 0) {
    // SEARCH results ascend; for SORT, MIN and MAX are the first and last in sort order (RFC 5267 §3.1)
    if (want.has('MIN')) text += ` MIN ${numbers[0]}`;
    if (want.has('MAX')) text += ` MAX ${numbers[numbers.length - 1]}`;
    if (want.has('ALL')) text += ` ALL ${set(numbers)}`;
  }
  if (want.has('COUNT')) text += ` COUNT ${numbers.length}`;
  if (a.partial !== undefined) text += ` PARTIAL (${a.partial.first}:${a.partial.last} ${part!.length === 0 ? 'NIL' : set(part!)})`;
  return text;
}
