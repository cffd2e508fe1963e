// STARTTLS (RFC 9051 §6.2.1): the handshake starts right after the tagged OK; anything the
// client sent behind the command is thrown away (command injection, RFC 9051 §11.1).
import { statusLine } from '../response.ts';
import { NOT_AUTH, bad, type Handler } from './types.ts';

export const starttls: Handler<'STARTTLS'> = {
  states: NOT_AUTH,
  async run(s, cmd) {
    if (s.tls) return bad('TLS is already active');
    // After UNAUTHENTICATE a compressed session is not-authenticated again, but TLS cannot go
    // under an active DEFLATE layer (RFC 4978 §3 orders TLS below COMPRESS).
    if (s.compressed) return bad('STARTTLS is not possible once COMPRESS is active');
    if (!s.canStartTls) return bad('STARTTLS is not available');
    await s.send(statusLine(cmd.tag, 'OK', 'Begin TLS negotiation now'));
    s.startTls();
    return undefined;
  },
};
