// STORE and UID STORE (RFC 9051 §6.4.6): one transaction however many messages.
import { writeFlagFetches } from './fetch.ts';
import { SELECTED, no, ok, type Handler } from './types.ts';

export const store: Handler<'STORE'> = {
  states: SELECTED,
  expungeAfter: false,
  async run(s, cmd) {
    const view = s.selected!;
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    if (cmd.args.unchangedSince !== undefined) return no('CONDSTORE is not supported', 'CANNOT');
    const uids = cmd.uid ? view.uidsOfUidSet(cmd.args.set) : view.uidsOfSeqSet(cmd.args.set);
    const flags = cmd.args.flags.filter((f) => f.toLowerCase() !== '\\recent');
    await s.ownFlagChange(() => s.deps.store.setFlags(view.mailbox.id, uids, cmd.args.action, flags));
    // Every message named is reported, changed or not (RFC 9051 §6.4.6).
    if (!cmd.args.silent) await writeFlagFetches(s, uids, cmd.uid ? [{ item: 'UID' }, { item: 'FLAGS' }] : [{ item: 'FLAGS' }]);
    return ok('STORE completed');
  },
};
