// COPY and UID COPY (RFC 9051 §6.4.7) with COPYUID (RFC 4315 §3).
import { formatNumberSet } from '../seqset.ts';
import type { Session } from '../session.ts';
import type { CommandOf } from './types.ts';
import { checkQuota } from './quota-check.ts';
import { SELECTED, bad, ok, type Handler } from './types.ts';

/** The UIDs a COPY/MOVE names, after checking the quota for their size. */
export async function sourceUids(s: Session, cmd: CommandOf<'COPY' | 'MOVE'>): Promise<number[]> {
  const view = s.selected!;
  const uids = cmd.uid ? view.uidsOfUidSet(cmd.args.set) : view.uidsOfSeqSet(cmd.args.set);
  if (uids.length > 0 && (await s.deps.quotaOf(s.account!.id)) > 0) {
    const recs = await s.deps.store.messageRecords(view.mailbox.id, uids, { json: false });
    await checkQuota(s, recs.reduce((n, r) => n + r.size, 0));
  }
  return uids;
}

export const copy: Handler<'COPY'> = {
  states: SELECTED,
  async run(s, cmd) {
    const refused = cmd.uid ? null : s.selected!.seqSetError(cmd.args.set);
    if (refused !== null) return bad(refused);
    const uids = await sourceUids(s, cmd);
    const r = await s.deps.store.copy(s.account!, s.selected!.mailbox.id, uids, cmd.args.mailbox);
    if (r.sourceUids.length === 0) return ok('COPY completed, nothing to copy');
    return ok('COPY completed', `COPYUID ${r.uidValidity} ${formatNumberSet(r.sourceUids)} ${formatNumberSet(r.destUids)}`);
  },
};
