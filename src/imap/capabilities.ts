// The CAPABILITY list for the session's state (RFC 9051 §6.1.1, §7.2.2).

export type CapabilityInput = {
  authenticated: boolean;
  tls: boolean;
  /** STARTTLS can be offered (a certificate exists and the connection is plain). */
  starttls: boolean;
  /** LOGIN/AUTHENTICATE allowed here: TLS or a loopback connection (RFC 9051 §6.2.3). */
  loginAllowed: boolean;
  appendLimit: number;
  /** URLAUTH can be offered: the server knows its host name for IMAP URLs. */
  urlauth?: boolean;
};

const BASE = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'UNAUTHENTICATE'];
const AFTER_LOGIN = [
  'NAMESPACE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'CHILDREN', 'SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS',
  'QUOTA', 'QUOTA=RES-STORAGE', 'MULTIAPPEND', 'STATUS=SIZE', 'ESEARCH', 'BINARY',
  // Extensions of issue 5 (docs/rfc-status.md).
  'COMPRESS=DEFLATE', 'REPLACE', 'METADATA', 'METADATA-SERVER', 'NOTIFY', 'CATENATE',
  'SORT', 'SORT=DISPLAY', 'ESORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'SEARCHRES',
  'WITHIN', 'PARTIAL', 'PREVIEW', 'CONTEXT=SEARCH', 'CONTEXT=SORT',
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
    if (c.urlauth === true) caps.push('URLAUTH', 'URLAUTH=BINARY');
  }
  return caps.join(' ');
}
