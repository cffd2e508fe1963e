// USER (RFC 1939 §7): remembers the name for PASS; never says whether it exists.
import { PLAINTEXT_REFUSED } from '../login.ts';
import { AUTHORIZATION, type Handler } from './types.ts';

export const user: Handler<'USER'> = {
  states: AUTHORIZATION,
  async run(s, cmd) {
    if (!s.loginAllowed) return s.err(PLAINTEXT_REFUSED, 'AUTH');
    s.user = cmd.user;
    return s.ok('Send your password');
  },
};
