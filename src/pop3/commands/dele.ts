// DELE msg (RFC 1939 §5): marks the message; it is removed only at QUIT (UPDATE state).
import { TRANSACTION, type Handler } from './types.ts';

export const dele: Handler<'DELE'> = {
  states: TRANSACTION,
  run(s, cmd) {
    if (s.deleted.has(cmd.msg)) return s.err(`Message ${cmd.msg} already deleted`);
    if (!s.message(cmd.msg)) return s.err('No such message');
    s.deleted.add(cmd.msg);
    return s.ok(`Message ${cmd.msg} deleted`);
  },
};
