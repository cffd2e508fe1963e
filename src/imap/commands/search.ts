// SEARCH and UID SEARCH (RFC 9051 §6.4.4), ESEARCH answers (RFC 4731) with RETURN or IMAP4rev2,
// SAVE (RFC 5182) and PARTIAL (RFC 9394); see search-answer.ts.
import { answer, criteriaOf, reusedUpdateTag } from './search-answer.ts';
import { usesModSeq } from '../search-modseq.ts';
import { SELECTED, bad, ok, type Handler } from './types.ts';

export const search: Handler<'SEARCH'> = {
  states: SELECTED,
  expungeAfter: false,
  async run(s, cmd) {
    const view = s.selected!;
    if (reusedUpdateTag(s, cmd.tag, cmd.args.return)) return bad('Tag reuse');
    // The parser has decoded the strings from any charset it knows, or answered NO [BADCHARSET].
    const criteria = criteriaOf(s, cmd.args.criteria);
    // RFC 7162 §3.1: a MODSEQ criterion enables CONDSTORE and adds the MODSEQ result.
    const modSeq = usesModSeq(cmd.args.criteria);
    if (modSeq) await s.enableCondstore();
    const found = (await s.deps.store.search(s.account!, view.mailbox.id, criteria)).filter((u) => view.seqOf(u) > 0);
    await answer(s, { tag: cmd.tag, uid: cmd.uid, verb: 'SEARCH', ...cmd.args, criteria, order: null, modSeq }, found);
    return ok('SEARCH completed');
  },
};
