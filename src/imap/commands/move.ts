// MOVE and UID MOVE (RFC 6851 §3): COPYUID in an untagged OK, then EXPUNGEs, then the tag.
import { formatNumberSet } from '../seqset.ts';
import { sourceUids } from './copy.ts';
import { reportExpunged } from './expunge.ts';
import { SELECTED, bad, no, ok, type Handler } from './types.ts';

export const move: Handler<'MOVE'> = {
  states: SELECTED,
  async run(s, cmd) {
    const view = s.selected!;
    const refused = cmd.uid ? null : view.seqSetError(cmd.args.set);
    if (refused !== null) return bad(refused);
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const uids = await sourceUids(s, cmd);
    const r = await s.deps.store.move(s.account!, view.mailbox.id, uids, cmd.args.mailbox);
    if (r.sourceUids.length > 0) {
      await s.untagged(`OK [COPYUID ${r.uidValidity} ${formatNumberSet(r.sourceUids)} ${formatNumberSet(r.destUids)}] Moved`);
      await reportExpunged(s, r.sourceUids);
      // RFC 6851 §4.4: the source mailbox's new MODSEQ, once a client counts them (CONDSTORE).
      if (s.condstore && view.lastExpungeModSeq > 0) return ok('MOVE completed', `HIGHESTMODSEQ ${view.lastExpungeModSeq}`);
    }
    return ok('MOVE completed');
  },
};
