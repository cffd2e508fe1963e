// NOTIFY SET / NOTIFY NONE (RFC 5465 §3.1). SET replaces what was asked before; with STATUS,
// the watched mailboxes' STATUS comes first. The implicit NOOP (§3.1) is the dispatcher's
// usual flush of the selected mailbox after the command.
import { fetchSetsSeen } from '../fetch-response.ts';
import { Notifier, SUPPORTED_EVENTS } from '../notify.ts';
import { statusLine } from './status-data.ts';
import { AUTHED, bad, no, ok, type Handler } from './types.ts';

export const notify: Handler<'NOTIFY'> = {
  states: AUTHED,
  async run(s, cmd) {
    const set = cmd.args.set;
    if (set === null) {
      s.notifier = null;
      return ok('NOTIFY completed');
    }
    for (const g of set.groups) {
      for (const e of g.events) {
        // §3.1: an unsupported event is NO [BADEVENT (the supported ones)], not BAD.
        if (!SUPPORTED_EVENTS.includes(e.name)) return no(`Event ${e.name} is not supported`, `BADEVENT (${SUPPORTED_EVENTS.join(' ')})`);
        // §5.2: attributes that set \Seen have no place in a notification.
        if (e.fetch && fetchSetsSeen(e.fetch)) return bad('MessageNew attributes must not set \\Seen (use BODY.PEEK)');
      }
    }
    const notifier = new Notifier(s, set.groups);
    if (set.status) {
      const out: Buffer[] = [];
      for (const mb of await s.deps.store.listMailboxes(s.account!.id)) {
        if (mb.id === s.selected?.mailbox.id) continue;
        const items = Notifier.statusItems(notifier.eventsFor(mb.name, mb.subscribed));
        if (items.length > 0) out.push(await statusLine(s, mb, items));
      }
      if (out.length > 0) await s.send(out);
    }
    s.notifier = notifier;
    return ok('NOTIFY completed');
  },
};
