// NOOP (RFC 9051 §6.1.2): pending mailbox changes are sent on the way out by the dispatcher.
import { ANY, ok, type Handler } from './types.ts';

export const noop: Handler<'NOOP'> = { states: ANY, run: async () => ok('NOOP completed') };
