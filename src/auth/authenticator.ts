// Who may log in: one mechanism for IMAP, POP3 and submission alike — password check, the
// growing delay after failures (per IP and per user), the same answer and timing for an
// unknown user as for a wrong password, a cache of recent successful logins, and one log line
// per attempt.
import type { Account } from '../directory/directory.ts';

export type LoginRequest = {
  /** As the client sent it; the full address is the user name. */
  username: string;
  password: string;
  /** Remote IP address, for throttling and the log. */
  ip: string;
  /** 'imap' | 'pop3' | 'submission' … */
  service: string;
  /** 'LOGIN', 'PLAIN', 'USER' … */
  mechanism: string;
  tls: boolean;
  /** Session id, for the log line. */
  sid: string;
};

export type LoginResult = { ok: true; account: Account } | { ok: false; reason: 'invalid' | 'throttled' | 'unavailable' };

export interface Authenticator {
  /** Resolves after any throttling delay; never reveals whether the user exists. */
  login(req: LoginRequest): Promise<LoginResult>;
}
