// STORE and UID STORE (RFC 9051 §6.4.6): one transaction however many messages.
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
    const changed = await s.deps.store.setFlags(view.mailbox.id, uids, cmd.args.action, flags);
    for (const c of changed) view.told(c.uid, c.modSeq);
    if (!cmd.args.silent) {
      // Every message named is reported, changed or not (RFC 9051 §6.4.6).
      const metas = changed.length === uids.length ? changed : await s.deps.store.messageMetas(view.mailbox.id, uids);
      const out: string[] = [];
      for (const m of metas) {
        const seq = view.seqOf(m.uid);
        if (seq === 0) continue;
        view.told(m.uid, m.modSeq);
        out.push(`* ${seq} FETCH (${cmd.uid ? `UID ${m.uid} ` : ''}FLAGS (${s.flagsFor(m.uid, m.flags).join(' ')}))\r\n`);
      }
      await s.send(Buffer.from(out.join(''), 'utf8'));
    }
    return ok('STORE completed');
  },
};
