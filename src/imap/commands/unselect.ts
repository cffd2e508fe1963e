// UNSELECT (RFC 3691, RFC 9051 §6.4.2): leave the mailbox without expunging.
import { deselect } from './select.ts';
import { SELECTED, ok, type Handler } from './types.ts';

export const unselect: Handler<'UNSELECT'> = {
  states: SELECTED,
  async run(s) {
    await deselect(s, false);
    return ok('UNSELECT completed');
  },
};
