// The CAPABILITY list for the session's state (RFC 9051 §6.1.1, §7.2.2).

export type CapabilityInput = {
  authenticated: boolean;
  tls: boolean;
  /** STARTTLS can be offered (a certificate exists and the connection is plain). */
  starttls: boolean;
  /** LOGIN/AUTHENTICATE allowed here: TLS or a loopback connection (RFC 9051 §6.2.3). */
  loginAllowed: boolean;
  appendLimit: number;
};

const BASE = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE'];
const AFTER_LOGIN = [
  'NAMESPACE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'CHILDREN', 'SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS',
  'QUOTA', 'QUOTA=RES-STORAGE', 'MULTIAPPEND', 'STATUS=SIZE', 'ESEARCH', 'BINARY',
  'CONDSTORE', 'QRESYNC', 'OBJECTID', 'SAVEDATE',
];

export function capabilityList(c: CapabilityInput): string {
  const caps = [...BASE];
  if (!c.authenticated) {
    if (c.starttls && !c.tls) caps.push('STARTTLS');
    if (c.loginAllowed) caps.push('AUTH=PLAIN', 'AUTH=LOGIN');
    else caps.push('LOGINDISABLED');
  } else {
    caps.push(...AFTER_LOGIN, `APPENDLIMIT=${c.appendLimit}`);
  }
  return caps.join(' ');
}
