// EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1).
import { removeExpunged } from '../search-contexts.ts';
import type { Session } from '../session.ts';
import { SELECTED, no, ok, type Handler } from './types.ts';

/** Removes the UIDs from the view and tells the client, highest sequence number first. */
export async function reportExpunged(s: Session, uids: readonly number[]): Promise<void> {
  await removeExpunged(s, uids); // RFC 5267 §4.3.4: REMOVEFROM before the EXPUNGE
  const seqs = s.selected!.removeMany(uids);
  if (seqs.length > 0) await s.send(Buffer.from(seqs.map((n) => `* ${n} EXPUNGE\r\n`).join('')));
}

export const expunge: Handler<'EXPUNGE'> = {
  states: SELECTED,
  async run(s, cmd) {
    const view = s.selected!;
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const uids = cmd.args.set === undefined ? undefined : view.uidsOfUidSet(cmd.args.set);
    if (uids !== undefined && uids.length === 0) return ok('EXPUNGE completed');
    await reportExpunged(s, await s.deps.store.expunge(s.account!, view.mailbox.id, uids));
    return ok('EXPUNGE completed');
  },
};
