// IDLE (RFC 2177, RFC 9051 §6.3.13): changes are pushed as they are published until DONE.
import { continuation } from '../response.ts';
import { AUTHED, type Handler } from './types.ts';

export const idle: Handler<'IDLE'> = {
  states: AUTHED,
  async run(s, cmd) {
    s.idleTag = cmd.tag;
    s.reader.expectIdleDone();
    await s.send(continuation('idling'));
    if (s.selected) await s.flushUpdates(true);
    return undefined;
  },
};
