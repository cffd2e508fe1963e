// The end of USER/PASS and AUTH PLAIN alike: the shared Authenticator (throttling, timing,
// the auth.login log line), then the account's maildrop (RFC 1939 §4: a lock, or -ERR).
import type { Session } from './session.ts';

export const PLAINTEXT_REFUSED = 'Plaintext authentication is not allowed without TLS; use STLS';

export async function login(s: Session, username: string, password: string, mechanism: 'USER' | 'PLAIN'): Promise<void> {
  const r = await s.deps.auth.login({ username, password, ip: s.ip, service: 'pop3', mechanism, tls: s.tls, sid: s.id });
  if (!r.ok) {
    // RFC 3206 §4-5: [AUTH] for credentials, [SYS/TEMP] for what may work later.
    if (r.reason === 'invalid') return s.err('Authentication failed', 'AUTH');
    if (r.reason === 'throttled') return s.err('Too many failed logins; try again later', 'SYS/TEMP');
    return s.err('Authentication is temporarily unavailable', 'SYS/TEMP');
  }
  let drop;
  try {
    drop = await s.deps.maildrops.open(r.account.id);
  } catch (e) {
    s.log.error({ event: 'pop3.maildrop', err: e, user: r.account.address }, 'cannot open maildrop');
    return s.err('Cannot open the maildrop', 'SYS/TEMP');
  }
  // RFC 2449 §8.1.2: another POP3 session holds the maildrop.
  if (drop === 'in-use') return s.err('Mailbox is in use by another POP3 session', 'IN-USE');
  if (!s.enterTransaction(r.account, drop)) return;
  const t = s.totals();
  await s.ok(`Logged in, ${t.count} messages (${t.octets} octets)`);
}
