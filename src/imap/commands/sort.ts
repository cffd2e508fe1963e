// SORT and UID SORT (RFC 5256 §BASE.6.4.SORT) with DISPLAYFROM/DISPLAYTO (RFC 5957) and the
// ESORT return options (RFC 5267 §3). The store orders in SQL on keys kept per message.
import type { SortKeyName } from '../ast.ts';
import type { SortKey } from '../../store/store.ts';
import { answer, criteriaOf, reusedUpdateTag } from './search-answer.ts';
import { usesModSeq } from '../search-modseq.ts';
import { SELECTED, bad, ok, type Handler } from './types.ts';

const KEYS: Readonly<Record<SortKeyName, SortKey>> = {
  ARRIVAL: 'arrival', CC: 'cc', DATE: 'date', FROM: 'from', SIZE: 'size', SUBJECT: 'subject', TO: 'to',
  DISPLAYFROM: 'displayfrom', DISPLAYTO: 'displayto',
};

export const sort: Handler<'SORT'> = {
  states: SELECTED,
  // RFC 5256: no untagged EXPUNGE while answering SORT; held back for UID SORT too, as SEARCH does.
  expungeAfter: false,
  async run(s, cmd) {
    const view = s.selected!;
    if (reusedUpdateTag(s, cmd.tag, cmd.args.return)) return bad('Tag reuse');
    const order = cmd.args.order.map((o) => ({ key: KEYS[o.key], reverse: o.reverse }));
    const criteria = criteriaOf(s, cmd.args.criteria);
    // RFC 7162 §3.1.9, §3.1.10: as for SEARCH, a MODSEQ criterion adds the highest MODSEQ.
    const modSeq = usesModSeq(cmd.args.criteria);
    if (modSeq) await s.enableCondstore();
    const found = (await s.deps.store.sort(s.account!, view.mailbox.id, criteria, order)).filter((u) => view.seqOf(u) > 0);
    await answer(s, { tag: cmd.tag, uid: cmd.uid, verb: 'SORT', ...cmd.args, criteria, order, modSeq }, found);
    return ok('SORT completed');
  },
};
