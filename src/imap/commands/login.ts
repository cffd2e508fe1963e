// LOGIN (RFC 9051 §6.2.3): refused without TLS except on loopback (LOGINDISABLED).
import type { Session } from '../session.ts';
import { NOT_AUTH, no, ok, type Handler, type Reply } from './types.ts';

/** Checks the credentials through the Authenticator (which throttles and logs). */
export async function authenticate(s: Session, username: string, password: string, mechanism: string): Promise<Reply> {
  const r = await s.deps.auth.login({ username, password, ip: s.ip, service: 'imap', mechanism, tls: s.tls, sid: s.id });
  if (!r.ok) {
    if (r.reason === 'unavailable') return no('Temporary authentication failure', 'UNAVAILABLE');
    return no('Authentication failed', 'AUTHENTICATIONFAILED');
  }
  s.loggedIn(r.account);
  return ok('Logged in', `CAPABILITY ${s.capabilities()}`);
}

export const login: Handler<'LOGIN'> = {
  states: NOT_AUTH,
  async run(s, cmd) {
    if (!s.loginAllowed) return no('Plaintext authentication disallowed without TLS', 'PRIVACYREQUIRED');
    return authenticate(s, cmd.args.username, cmd.args.password, 'LOGIN');
  },
};
