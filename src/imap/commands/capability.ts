// CAPABILITY (RFC 9051 §6.1.1)
import { ANY, ok, type Handler } from './types.ts';

export const capability: Handler<'CAPABILITY'> = {
  states: ANY,
  async run(s) {
    await s.untagged(`CAPABILITY ${s.capabilities()}`);
    return ok('Capability completed');
  },
};
