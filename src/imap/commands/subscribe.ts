// SUBSCRIBE (RFC 9051 §6.3.7).
import { AUTHED, ok, type Handler } from './types.ts';

export const subscribe: Handler<'SUBSCRIBE'> = {
  states: AUTHED,
  async run(s, cmd) {
    await s.deps.store.setSubscribed(s.account!, cmd.args.mailbox, true);
    return ok('SUBSCRIBE completed');
  },
};
