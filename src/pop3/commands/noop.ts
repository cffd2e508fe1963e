// NOOP (RFC 1939 §5).
import { TRANSACTION, type Handler } from './types.ts';

export const noop: Handler<'NOOP'> = {
  states: TRANSACTION,
  run: (s) => s.ok(''),
};
