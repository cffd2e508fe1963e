// STORE and UID STORE (RFC 9051 §6.4.6): one transaction however many messages.
// UNCHANGEDSINCE (RFC 7162 §3.1.3): messages changed since are left alone and named in MODIFIED.
import type { FetchItem } from '../ast.ts';
import { toModSeq } from '../qresync.ts';
import { formatNumberSet } from '../seqset.ts';
import { expungeIssued, writeFlagFetches } from './fetch.ts';
import { SELECTED, bad, no, ok, type Handler } from './types.ts';

export const store: Handler<'STORE'> = {
  states: SELECTED,
  expungeAfter: false,
  async run(s, cmd) {
    const view = s.selected!;
    const refused = cmd.uid ? null : view.seqSetError(cmd.args.set);
    if (refused !== null) return bad(refused);
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const { unchangedSince } = cmd.args;
    if (unchangedSince !== undefined) await s.enableCondstore();
    const uids = cmd.uid ? view.uidsOfUidSet(cmd.args.set) : view.uidsOfSeqSet(cmd.args.set);
    const flags = cmd.args.flags.filter((f) => f.toLowerCase() !== '\\recent');
    const since = unchangedSince === undefined ? undefined : toModSeq(unchangedSince);
    const change = await s.ownFlagChange(() => s.deps.store.setFlags(s.account!, view.mailbox.id, uids, cmd.args.action, flags, since));
    if (cmd.args.action !== 'remove' && change.uids.length > 0) await s.tellKeywords(flags);
    const failed = change.failed ?? [];
    const failedSet = new Set(failed);
    const passed = failed.length === 0 ? uids : uids.filter((u) => !failedSet.has(u));
    // With CONDSTORE on, every FETCH a STORE causes carries UID and MODSEQ (RFC 7162 §3.2.4).
    const withUid = cmd.uid || s.condstore;
    const items: FetchItem[] = [...(withUid ? [{ item: 'UID' } as const] : []), { item: 'FLAGS' }, ...(s.condstore ? [{ item: 'MODSEQ' } as const] : [])];
    let found = passed.length;
    if (!cmd.args.silent) {
      // Every message named is reported, changed or not (RFC 9051 §6.4.6).
      found = await writeFlagFetches(s, passed, items);
    } else if (s.condstore) {
      // .SILENT still tells the new MODSEQs: of every message that passed UNCHANGEDSINCE
      // (§3.1.3), or of the messages changed (§3.1.4.2, Example 14).
      await writeFlagFetches(s, since === undefined ? change.uids : passed, [{ item: 'UID' }, { item: 'MODSEQ' }]);
    }
    if (failed.length > 0) {
      const named = cmd.uid ? failed : failed.map((u) => view.seqOf(u)).filter((n) => n > 0).sort((a, b) => a - b);
      return ok('Conditional STORE failed for some messages', `MODIFIED ${formatNumberSet(named)}`);
    }
    // Messages another session expunged (the client hears at its next NOOP).
    if (found < passed.length) return expungeIssued('STORE', found === 0);
    return ok('STORE completed');
  },
};
