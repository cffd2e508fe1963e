// STLS (RFC 2595 §4): only in AUTHORIZATION state; the handshake follows the +OK at once and
// whatever the client pipelined behind the command is thrown away (command injection).
import { AUTHORIZATION, type Handler } from './types.ts';

export const stls: Handler<'STLS'> = {
  states: AUTHORIZATION,
  async run(s) {
    if (s.tls) return s.err('Command not permitted when TLS active');
    if (!s.canStartTls) return s.err('STLS is not available');
    s.startTls();
  },
};
