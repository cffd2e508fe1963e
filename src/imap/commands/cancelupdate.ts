// CANCELUPDATE (RFC 5267 §4.3.5): the named live searches stop sending ADDTO/REMOVEFROM.
// A tag that names none is no error: the client's wish (no updates from it) holds.
import { SELECTED, ok, type Handler } from './types.ts';

export const cancelupdate: Handler<'CANCELUPDATE'> = {
  states: SELECTED,
  async run(s, cmd) {
    const live = s.selected!.contexts?.live;
    for (const tag of cmd.args.tags) live?.delete(tag);
    return ok('No further updates');
  },
};
