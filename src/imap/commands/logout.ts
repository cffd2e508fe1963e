// LOGOUT (RFC 9051 §6.1.3): BYE, then the tagged OK, then the connection closes.
import { ANY, ok, type Handler } from './types.ts';

export const logout: Handler<'LOGOUT'> = {
  states: ANY,
  async run(s) {
    await s.untagged('BYE Logging out');
    s.state = 'logout';
    return ok('Logout completed');
  },
};
