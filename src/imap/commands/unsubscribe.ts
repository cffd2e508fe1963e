// UNSUBSCRIBE (RFC 9051 §6.3.8): unsubscribing a name that is not subscribed is not an error.
import { AUTHED, ok, type Handler } from './types.ts';

export const unsubscribe: Handler<'UNSUBSCRIBE'> = {
  states: AUTHED,
  async run(s, cmd) {
    await s.deps.store.setSubscribed(s.account!, cmd.args.mailbox, false);
    return ok('UNSUBSCRIBE completed');
  },
};
