// CAPA (RFC 2449 §5): valid in AUTHORIZATION and TRANSACTION states.
import { capabilityLines } from '../capabilities.ts';
import { EITHER, type Handler } from './types.ts';

export const capa: Handler<'CAPA'> = {
  states: EITHER,
  run(s) {
    const lines = capabilityLines({ loginAllowed: s.loginAllowed, offerStls: s.canStartTls && s.state === 'authorization' });
    return s.multiline('Capability list follows', lines);
  },
};
