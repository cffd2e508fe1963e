// What POP3 needs from the store: one account's INBOX as it was at login (RFC 1939 §4:
// the maildrop is fixed for the session), the message bytes, and the deletions at QUIT.
// The store implements MaildropProvider; the POP3 server knows nothing else about it.

export type DropMessage = { uid: number; size: number }; // size = octets exactly as RETR sends them (files are stored with CRLF line ends)

export interface Maildrop {
  readonly uidValidity: number;
  readonly messages: readonly DropMessage[]; // INBOX at login, in UID order
  read(uid: number): Promise<Buffer>; // whole message bytes
  expunge(uids: number[]): Promise<void>; // at QUIT in UPDATE state only
  release(): void; // always called when the session ends
}

export interface MaildropProvider {
  /** 'in-use' when another POP3 session holds this account's maildrop (RFC 2449 [IN-USE]). */
  open(accountId: number): Promise<Maildrop | 'in-use'>;
}

/**
 * The unique-id listing of a message (RFC 1939 §7 UIDL: 1-70 octets in 0x21-0x7E): UIDVALIDITY
 * and UID as 8 hex digits each, so it is stable across sessions and across IMAP changes.
 */
export function uidlOf(uidValidity: number, uid: number): string {
  // Dovecot's default pop3_uidl_format %08Xu%08Xv: a mailbox moved over from Dovecot keeps its
  // UIDLs (UIDs and UIDVALIDITY are imported), so POP3 clients do not download everything again.
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(uid)}${hex(uidValidity)}`;
}
