// AUTH (RFC 5034 §4) with PLAIN (RFC 4616): the initial response on the command line, or an
// empty challenge "+ " and the response on the next line; "*" cancels. A bare "AUTH" lists
// the mechanisms (RFC 1734 clients).
import { isSaslCancel, parsePlain } from '../../auth/sasl.ts';
import { PLAINTEXT_REFUSED, login } from '../login.ts';
import type { Session } from '../session.ts';
import { AUTHORIZATION, type Handler } from './types.ts';

async function plain(s: Session, response: string): Promise<void> {
  if (isSaslCancel(response)) return s.err('Authentication cancelled');
  // RFC 5034 §4: "=" is an empty response, which PLAIN cannot use.
  const r = parsePlain(response === '=' ? '' : response);
  if (!r.ok) {
    if (r.reason === 'authzid') return s.err('Logging in as another user is not supported', 'AUTH');
    return s.err('Invalid PLAIN response');
  }
  return login(s, r.credentials.authcid, r.credentials.password, 'PLAIN');
}

export const auth: Handler<'AUTH'> = {
  states: AUTHORIZATION,
  async run(s, cmd) {
    if (!s.loginAllowed) return s.err(PLAINTEXT_REFUSED, 'AUTH');
    if (cmd.mechanism === null) return s.multiline('Supported mechanisms follow', ['PLAIN']);
    if (cmd.mechanism !== 'PLAIN') return s.err('Unsupported authentication mechanism');
    if (cmd.initial !== null) return plain(s, cmd.initial);
    s.authWaiter = (line) => plain(s, line);
    return s.send('+ \r\n');
  },
};
