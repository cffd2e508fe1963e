// STAT (RFC 1939 §5): "+OK count octets", messages marked deleted not counted.
import { TRANSACTION, type Handler } from './types.ts';

export const stat: Handler<'STAT'> = {
  states: TRANSACTION,
  run(s) {
    const t = s.totals();
    return s.ok(`${t.count} ${t.octets}`);
  },
};
