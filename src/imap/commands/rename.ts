// RENAME (RFC 9051 §6.3.6); renaming INBOX moves its messages (the store does that).
import { AUTHED, ok, type Handler } from './types.ts';

export const rename: Handler<'RENAME'> = {
  states: AUTHED,
  async run(s, cmd) {
    await s.deps.store.renameMailbox(s.account!, cmd.args.from, cmd.args.to.replace(/\/$/, ''));
    return ok('RENAME completed');
  },
};
