// DELETE (RFC 9051 §6.3.5).
import { deselect } from './select.ts';
import { AUTHED, ok, type Handler } from './types.ts';

export const del: Handler<'DELETE'> = {
  states: AUTHED,
  async run(s, cmd) {
    if (s.selected?.mailbox.name === cmd.args.mailbox) await deselect(s, true);
    await s.deps.store.deleteMailbox(s.account!, cmd.args.mailbox);
    return ok('DELETE completed');
  },
};
