// PASS (RFC 1939 §7): only right after USER; the whole rest of the line is the password.
import { PLAINTEXT_REFUSED, login } from '../login.ts';
import { AUTHORIZATION, type Handler } from './types.ts';

export const pass: Handler<'PASS'> = {
  states: AUTHORIZATION,
  async run(s, cmd) {
    if (!s.loginAllowed) return s.err(PLAINTEXT_REFUSED, 'AUTH');
    const name = s.user;
    // After PASS, succeeded or not, the client starts again with USER (RFC 1939 §7).
    s.user = null;
    if (name === null) return s.err('Send USER first');
    return login(s, name, cmd.password, 'USER');
  },
};
