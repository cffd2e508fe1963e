// AUTHENTICATE (RFC 9051 §6.2.2) with PLAIN (RFC 4616) and LOGIN, and SASL-IR (RFC 4959).
import { LOGIN_PASSWORD_PROMPT, LOGIN_USERNAME_PROMPT, decodeLoginResponse, isSaslCancel, parsePlain } from '../../auth/sasl.ts';
import { continuation, statusLine } from '../response.ts';
import type { Session } from '../session.ts';
import { authenticate as checkPassword } from './login.ts';
import { NOT_AUTH, bad, no, type Handler, type Reply } from './types.ts';

/** Sends a challenge and resolves with the client's answer line (or null when cancelled). */
function ask(s: Session, tag: string, challenge: string, then: (line: string) => Promise<Reply>): void {
  s.reader.expectAuthResponse();
  s.authWaiter = async (line) => {
    const reply = isSaslCancel(line) ? bad('Authentication cancelled') : await then(line);
    if (reply) await s.send(statusLine(tag, reply.status, reply.text, reply.code));
  };
  void s.send(continuation(challenge));
}

async function plain(s: Session, b64: string): Promise<Reply> {
  const r = parsePlain(b64);
  if (!r.ok) return r.reason === 'authzid' ? no('Not allowed to act as another user', 'AUTHORIZATIONFAILED') : bad('Invalid PLAIN response');
  return checkPassword(s, r.credentials.authcid, r.credentials.password, 'PLAIN');
}

export const authenticate: Handler<'AUTHENTICATE'> = {
  states: NOT_AUTH,
  async run(s, cmd) {
    if (!s.loginAllowed) return no('Authentication disallowed without TLS', 'PRIVACYREQUIRED');
    const mech = cmd.args.mechanism.toUpperCase();
    const ir = cmd.args.initialResponse;
    if (mech === 'PLAIN') {
      if (ir !== undefined) return plain(s, ir.toString('base64'));
      ask(s, cmd.tag, '', (line) => plain(s, line));
      return undefined;
    }
    if (mech === 'LOGIN') {
      const withUser = async (user: string): Promise<Reply> => {
        ask(s, cmd.tag, LOGIN_PASSWORD_PROMPT, async (line) => {
          const password = decodeLoginResponse(line);
          return password === null ? bad('Invalid base64') : checkPassword(s, user, password, 'LOGIN');
        });
        return undefined;
      };
      if (ir !== undefined) return withUser(ir.toString('utf8'));
      ask(s, cmd.tag, LOGIN_USERNAME_PROMPT, async (line) => {
        const user = decodeLoginResponse(line);
        return user === null ? bad('Invalid base64') : withUser(user);
      });
      return undefined;
    }
    return no('Unsupported authentication mechanism', 'CANNOT');
  },
};
