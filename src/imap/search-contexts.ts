// RFC 5267 §4.3 CONTEXT=SEARCH / CONTEXT=SORT: a SEARCH or SORT with RETURN (UPDATE) stays
// live while the mailbox is selected. Its results are kept as UIDs in the requested order;
// when the mailbox changes, the search runs again and the difference goes to the client as
// ESEARCH ADDTO / REMOVEFROM:
//   - REMOVEFROM for expunged messages before their EXPUNGE (removeExpunged), while their
//     sequence numbers are still valid (§4.3.4);
//   - everything else once EXISTS and FETCH have been sent (refreshContexts), so that new
//     sequence numbers are valid (§4.3.3).
// SEARCH contexts use position 0 and sets in mailbox order; SORT contexts give positions.
// Sort keys never change once a message is stored, so surviving results keep their order and
// only membership changes.
import { formatNumberSet } from './seqset.ts';
import type { Session } from './session.ts';
import type { Criteria } from '../store/search-criteria.ts';
import type { SortCriterion } from '../store/store.ts';
import { formatOrderedSet } from './result-sets.ts';

export type LiveSearch = {
  tag: string;
  uid: boolean;
  criteria: Criteria;
  /** null: a SEARCH (mailbox order). */
  order: readonly SortCriterion[] | null;
  /** UIDs in the requested order, as the client holds them. */
  results: number[];
};

/** Per session and selection; RFC 5267 §4.3.1 asks for at least one, we give a few. */
export const MAX_CONTEXTS = 8;

export class SearchContexts {
  readonly live = new Map<string, LiveSearch>();
  /** Something changed in the mailbox since the last refresh. */
  dirty = false;
}

type Edit = { op: 'ADDTO' | 'REMOVEFROM'; pos: number; uids: number[] };

/** Removals then additions that turn `old` into `fresh` (same relative order for the survivors). */
function edits(c: LiveSearch, fresh: readonly number[]): Edit[] {
  const now = new Set(fresh);
  const before = new Set(c.results);
  const out: Edit[] = [];
  if (c.order === null) {
    const gone = c.results.filter((u) => !now.has(u));
    const added = fresh.filter((u) => !before.has(u));
    if (gone.length > 0) out.push({ op: 'REMOVEFROM', pos: 0, uids: gone });
    if (added.length > 0) out.push({ op: 'ADDTO', pos: 0, uids: added });
    return out;
  }
  // Positions as the client applies the edits one after the other (§4.3.3, §4.3.4).
  let pos = 0;
  for (const u of c.results) {
    if (now.has(u)) pos++;
    else {
      const last = out.at(-1);
      if (last !== undefined && last.pos === pos + 1) last.uids.push(u);
      else out.push({ op: 'REMOVEFROM', pos: pos + 1, uids: [u] });
    }
  }
  const removals = out.length;
  fresh.forEach((u, i) => {
    if (before.has(u)) return;
    const last = out.length > removals ? out.at(-1)! : undefined;
    if (last !== undefined && last.pos + last.uids.length === i + 1) last.uids.push(u);
    else out.push({ op: 'ADDTO', pos: i + 1, uids: [u] });
  });
  return out;
}

function line(s: Session, c: LiveSearch, list: readonly Edit[]): string | null {
  if (list.length === 0) return null;
  const view = s.selected!;
  const parts = list.map((e) => {
    const numbers = c.uid ? e.uids : e.uids.map((u) => view.seqOf(u));
    return `${e.op} (${e.pos} ${e.pos === 0 ? formatNumberSet([...numbers].sort((a, b) => a - b)) : formatOrderedSet(numbers)})`;
  });
  return `ESEARCH (TAG "${c.tag}")${c.uid ? ' UID' : ''} ${parts.join(' ')}`;
}

/** Before `uids` are announced as expunged: REMOVEFROM while their sequence numbers hold. */
export async function removeExpunged(s: Session, uids: Iterable<number>): Promise<void> {
  const live = s.selected?.contexts?.live;
  if (live === undefined || live.size === 0) return;
  const gone = new Set(uids);
  for (const c of live.values()) {
    if (!c.results.some((u) => gone.has(u))) continue;
    const fresh = c.results.filter((u) => !gone.has(u));
    const text = line(s, c, edits(c, fresh));
    c.results = fresh;
    if (text !== null) await s.untagged(text);
  }
}

/** After EXISTS and FETCH: runs each live search again and sends what changed. */
export async function refreshContexts(s: Session): Promise<void> {
  const view = s.selected;
  const cx = view?.contexts;
  if (view === null || view === undefined || cx === null || cx === undefined || !cx.dirty || cx.live.size === 0) return;
  cx.dirty = false;
  const store = s.deps.store;
  for (const c of [...cx.live.values()]) {
    const found = c.order === null
      ? await store.search(s.account!, view.mailbox.id, c.criteria)
      : await store.sort(s.account!, view.mailbox.id, c.criteria, c.order);
    // Only what the client knows of: a message arrives in the results with its EXISTS.
    const fresh = found.filter((u) => view.seqOf(u) > 0);
    const text = line(s, c, edits(c, fresh));
    c.results = fresh;
    if (text !== null) await s.untagged(text);
  }
}
