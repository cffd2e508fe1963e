// ID (RFC 2971): we say who we are, not which version.
import { ANY, ok, type Handler } from './types.ts';

export const id: Handler<'ID'> = {
  states: ANY,
  async run(s) {
    await s.untagged('ID ("name" "Mailhaven")');
    return ok('ID completed');
  },
};
