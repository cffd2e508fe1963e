// CLOSE (RFC 9051 §6.4.1): expunge silently (unless read-only), then leave the mailbox.
import { deselect } from './select.ts';
import { SELECTED, ok, type Handler } from './types.ts';

export const close: Handler<'CLOSE'> = {
  states: SELECTED,
  async run(s) {
    const view = s.selected!;
    await deselect(s, false);
    if (!view.readOnly) await s.deps.store.expunge(s.account!, view.mailbox.id);
    return ok('CLOSE completed');
  },
};
