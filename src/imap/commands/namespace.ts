// NAMESPACE (RFC 2342, RFC 9051 §6.3.10): one personal namespace, no others.
import { AUTHED, ok, type Handler } from './types.ts';

export const namespace: Handler<'NAMESPACE'> = {
  states: AUTHED,
  async run(s) {
    await s.untagged('NAMESPACE (("" "/")) NIL NIL');
    return ok('NAMESPACE completed');
  },
};
