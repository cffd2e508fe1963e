// RSET (RFC 1939 §5): unmarks every message marked deleted.
import { TRANSACTION, type Handler } from './types.ts';

export const rset: Handler<'RSET'> = {
  states: TRANSACTION,
  run(s) {
    s.deleted.clear();
    const t = s.totals();
    return s.ok(`Maildrop has ${t.count} messages (${t.octets} octets)`);
  },
};
