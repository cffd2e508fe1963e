// The per-mailbox secrets that sign URLAUTH URLs (RFC 4467 §4.2 "INTERNAL" mechanism).
// Resetting a key (RESETKEY) makes every URL signed with it fail.
export interface UrlAuthKeys {
  /** The mailbox's key; made on first use. */
  key(accountId: number, mailboxId: number): Promise<Buffer>;
  /** The mailbox's key, null when none was ever made (nothing signed with it). */
  existingKey(accountId: number, mailboxId: number): Promise<Buffer | null>;
  /** Forgets the key of one mailbox, or of all the account's (mailboxId null). */
  reset(accountId: number, mailboxId: number | null): Promise<void>;
}
