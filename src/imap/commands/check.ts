// CHECK (RFC 3501 §6.4.1; gone in IMAP4rev2, where it is a NOOP): the index is always current.
import { SELECTED, ok, type Handler } from './types.ts';

export const check: Handler<'CHECK'> = { states: SELECTED, run: async () => ok('CHECK completed') };
