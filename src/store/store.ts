// What the protocol servers and delivery need from mail storage. Async and free of SQLite
// and file-system types, so a PostgreSQL backend can implement the same contract.
import type { ParsedMessage } from '../mime/parse-message.ts';

export const SPECIAL_FOLDERS = [
  { name: 'Sent', use: '\\Sent' },
  { name: 'Drafts', use: '\\Drafts' },
  { name: 'Junk', use: '\\Junk' },
  { name: 'Trash', use: '\\Trash' },
  { name: 'Archive', use: '\\Archive' },
] as const;

export type AccountRef = { id: number; local: string; domain: string };

export type MailboxInfo = {
  id: number;
  accountId: number;
  name: string;
  specialUse: string | null;
  uidValidity: number;
  uidNext: number;
  highestModSeq: number;
  messages: number;
  size: number;
};

/** One copy of a message for one mailbox; `prefix` holds per-recipient header lines. */
export type DeliveryTarget = { account: AccountRef; mailbox: string; prefix: Buffer };

export type Stored = { accountId: number; mailboxId: number; uid: number; size: number };

export type MessageInput = {
  /** The message as received, CRLF line endings. */
  content: Buffer;
  parsed: ParsedMessage;
  internalDate: Date;
};

export interface MessageStore {
  /** Creates the account's Maildir with INBOX and the special-use folders (idempotent). */
  createAccount(account: AccountRef): Promise<void>;
  /** Forgets the account's index; with `purge` removes its files too. */
  deleteAccount(account: AccountRef, purge: boolean): Promise<void>;
  /** Bytes used by all of the account's messages. */
  usage(accountId: number): Promise<number>;
  listMailboxes(accountId: number): Promise<MailboxInfo[]>;
  /**
   * Two-phase delivery of one message to every target: files are written and fsynced, then
   * the index rows are committed together; on any failure nothing is left behind and nothing
   * becomes visible. Resolves only once the message is durable.
   */
  deliver(message: MessageInput, targets: DeliveryTarget[]): Promise<Stored[]>;
  /**
   * Adopts files present in the Maildirs but missing from the index, drops rows whose file is
   * gone. While a server may be delivering, pass `minAgeMs` so files still between their
   * rename and their index commit are left alone.
   */
  reconcile(account: AccountRef, opts?: { minAgeMs?: number }): Promise<{ adopted: number; dropped: number }>;
  /** Rebuilds an account's index from its Maildir from scratch (new UIDVALIDITY). */
  rebuild(account: AccountRef): Promise<{ messages: number }>;
  close(): Promise<void>;
}

export type MailboxChange =
  | { kind: 'exists'; accountId: number; mailboxId: number; uid: number; modSeq: number }
  | { kind: 'expunge'; accountId: number; mailboxId: number; uids: number[]; modSeq: number }
  | { kind: 'flags'; accountId: number; mailboxId: number; uids: number[]; modSeq: number }
  | { kind: 'mailbox'; accountId: number; mailboxId: number; what: 'created' | 'deleted' | 'renamed' };

/** Broadcasts changes after commit, in commit order, to whoever watches an account. */
export interface ChangeBus {
  publish(change: MailboxChange): void;
  subscribe(accountId: number, fn: (c: MailboxChange) => void): () => void;
}
