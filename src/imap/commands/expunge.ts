// EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1).
import { removeExpunged } from '../search-contexts.ts';
import type { Session } from '../session.ts';
import { SELECTED, no, ok, type Handler } from './types.ts';

/** Removes the UIDs from the view and tells the client (EXPUNGE, or VANISHED under QRESYNC). */
export async function reportExpunged(s: Session, uids: readonly number[]): Promise<void> {
  await removeExpunged(s, uids); // RFC 5267 §4.3.4: REMOVEFROM before the EXPUNGE/VANISHED
  await s.announceExpunged(uids);
}

export const expunge: Handler<'EXPUNGE'> = {
  states: SELECTED,
  async run(s, cmd) {
    const view = s.selected!;
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const uids = cmd.args.set === undefined ? undefined : view.uidsOfUidSet(cmd.args.set);
    if (uids !== undefined && uids.length === 0) return ok('EXPUNGE completed');
    const gone = await s.deps.store.expunge(s.account!, view.mailbox.id, uids);
    await reportExpunged(s, gone);
    // RFC 7162 §3.2.7, §3.2.9: with QRESYNC the tagged OK carries the expunge's MODSEQ (the
    // store published it to this session's view before returning).
    if (s.qresync && gone.length > 0 && view.lastExpungeModSeq > 0) return ok('EXPUNGE completed', `HIGHESTMODSEQ ${view.lastExpungeModSeq}`);
    return ok('EXPUNGE completed');
  },
};
