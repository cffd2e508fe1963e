// What the protocol servers and delivery need from mail storage. Async and free of SQLite
// and file-system types, so a PostgreSQL backend can implement the same contract.
import type { ParsedMessage } from '../mime/parse-message.ts';
import type { BodyPart, ImapEnvelope } from '../mime/types.ts';
import type { MetadataStore } from './metadata.ts';
import type { UrlAuthKeys } from './urlauth-keys.ts';
import type { Criteria } from './search-criteria.ts';

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
  subscribed: boolean;
  /** MAILBOXID (RFC 8474 §4): kept across RENAME, new with a new UIDVALIDITY. */
  objectId: string;
};

/** One copy of a message for one mailbox; `prefix` holds per-recipient header lines. */
export type DeliveryTarget = { account: AccountRef; mailbox: string; prefix: Buffer };

export type Stored = { accountId: number; mailboxId: number; uid: number; size: number };

/** A copy written and synced into its folder's new/ (phase 1 of a delivery), not yet indexed.
 *  `file` is relative to the folder directory ("new/<base>,S=<size>"). */
export type PlacedCopy = { target: DeliveryTarget; file: string; size: number };

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
   * Phase 2 alone, for copies another thread placed (placeCopy): the index rows of every copy,
   * all or none, after which the message is visible. On failure the files are removed.
   */
  commitPlaced(message: Omit<MessageInput, 'content'>, placed: PlacedCopy[]): Promise<Stored[]>;
  /** Removes placed copies that will not be committed. */
  discardPlaced(placed: PlacedCopy[]): Promise<void>;
  /**
   * Adopts files present in the Maildirs but missing from the index, drops rows whose file is
   * gone. While a server may be delivering, pass `minAgeMs` so files still between their
   * rename and their index commit are left alone.
   */
  reconcile(account: AccountRef, opts?: { minAgeMs?: number }): Promise<{ adopted: number; dropped: number }>;
  /** Starts what the store runs beside the caller (threads) ahead of first use: for the server,
   *  so no client's first search waits for it; short CLI commands never start it. */
  warm?(accounts?: readonly AccountRef[]): void;
  /** Rebuilds an account's index from its Maildir from scratch (new UIDVALIDITY). */
  rebuild(account: AccountRef): Promise<{ messages: number }>;
  close(): Promise<void>;

  // --- Mailboxes (IMAP). Names use "/" as the hierarchy delimiter; INBOX is upper case. ---
  getMailbox(accountId: number, name: string): Promise<MailboxInfo | null>;
  /** Counts of messages without \Seen, with \Deleted, and at or above the \Recent floor
   *  (STATUS UNSEEN, DELETED, and RFC 3501's RECENT). */
  mailboxCounts(mailboxId: number): Promise<{ unseen: number; deleted: number; recent: number }>;
  /** Creates the mailbox and any missing parents; MailboxError ALREADYEXISTS / CANNOT. */
  createMailbox(account: AccountRef, name: string, specialUse?: string | null): Promise<MailboxInfo>;
  /** Refuses INBOX; removes the folder's files. Children stay: their parent's name becomes
   *  a \Noselect name implied by them (RFC 9051 §6.3.5). */
  deleteMailbox(account: AccountRef, name: string): Promise<void>;
  /** Renames the mailbox and its children; INBOX moves its messages to `to` and stays, empty. */
  renameMailbox(account: AccountRef, from: string, to: string): Promise<void>;
  setSubscribed(account: AccountRef, name: string, subscribed: boolean): Promise<void>;
  /** The subscribed names, ascending, including names whose mailbox no longer exists. */
  subscriptions(accountId: number): Promise<string[]>;

  // --- Messages of one mailbox (IMAP). UIDs are always ascending. ---
  /** Every message's UID, MODSEQ and flags (SELECT), or those above `afterUid`. */
  listMessages(mailboxId: number, afterUid?: number): Promise<MessageMeta[]>;
  /**
   * SELECT/EXAMINE: the mailbox as it is now, its UIDs in one compact array, the first UID
   * without \Seen and the keywords in use. With `claimRecent` the messages that arrived since
   * the last session did so become \Recent for this one (RFC 3501 §2.3.2), atomically; without
   * it they are reported as recent and left so for the next session (EXAMINE, §6.3.2).
   */
  selectMailbox(mailboxId: number, claimRecent: boolean): Promise<MailboxSnapshot | null>;
  /** The UID range [from, to) that turned \Recent for the caller (empty: from === to). */
  claimRecent(mailboxId: number): Promise<{ from: number; to: number }>;
  /** The same for the given UIDs only (flag refresh after a change by someone else). */
  messageMetas(mailboxId: number, uids: readonly number[]): Promise<MessageMeta[]>;
  /** What FETCH needs from the index, for the given UIDs (missing ones are left out). */
  /** `json: false`: envelope and body are read from the index only if used (FETCH that takes
   *  the stored wire text needs neither); they are then getters of the record's class, which a
   *  spread copy leaves out. `flags: false`: neither flags nor MODSEQ is read (a FETCH that
   *  asks for neither); reading them from such a record throws. */
  messageRecords(mailboxId: number, uids: readonly number[], opts?: { json?: boolean; flags?: boolean }): Promise<MessageRecord[]>;
  /** The message file as stored (per-recipient prefix included); null when it is gone.
   *  `location`: the record's, which saves looking the file up. */
  readMessage(account: AccountRef, mailboxId: number, uid: number, location?: string): Promise<Buffer | null>;
  /** Durable APPEND of one or more messages (MULTIAPPEND: all or none). */
  append(account: AccountRef, mailbox: string, messages: readonly AppendInput[]): Promise<AppendResult>;
  /**
   * The same in two steps, for APPENDs a client pipelines: the returned promise settles once
   * the files are durably written (MailboxError TRYCREATE at once when the mailbox is missing);
   * commit() then gives the UIDs. Commits started in one turn of the event loop share one index
   * transaction and get their UIDs in the order commit() was called.
   */
  prepareAppend(account: AccountRef, mailbox: string, messages: readonly AppendInput[]): Promise<PreparedAppend>;
  /**
   * REPLACE (RFC 8508): appends `message` to `mailbox` and expunges `uid` of `fromMailboxId`
   * in one commit; MailboxError NONEXISTENT when that message is gone, and nothing changes.
   */
  replace(account: AccountRef, fromMailboxId: number, uid: number, mailbox: string, message: AppendInput): Promise<AppendResult>;
  /**
   * STORE: the UIDs (ascending) whose flags changed and the one MODSEQ they all got now. With
   * `unchangedSince` (RFC 7162 §3.1.3) messages whose MODSEQ is above it are left alone and
   * listed in `failed`; the test and the change are one transaction.
   */
  setFlags(account: AccountRef, mailboxId: number, uids: readonly number[], action: 'set' | 'add' | 'remove', flags: readonly string[], unchangedSince?: number): Promise<FlagChange>;
  /** UIDs (ascending) among `uids` whose MODSEQ is above `modSeq` (FETCH CHANGEDSINCE). */
  changedSince(mailboxId: number, uids: readonly number[], modSeq: number): Promise<number[]>;
  /**
   * Expunged UIDs as ascending inclusive ranges, expunged after `modSeq` (QRESYNC VANISHED
   * (EARLIER)). May name a few UIDs expunged earlier (ranges are compacted), never a live one.
   */
  vanishedSince(mailboxId: number, modSeq: number): Promise<[number, number][]>;
  /** FETCH (FLAGS UID MODSEQ) of many messages: compact, flags rendered once per combination.
   *  `withModSeq` false leaves modSeqs null (cheaper). */
  flagTable(mailboxId: number, uids: readonly number[], withModSeq?: boolean): Promise<FlagTable>;
  /** Expunges messages with \Deleted (only among `uids` when given); returns their UIDs. */
  expunge(account: AccountRef, mailboxId: number, uids?: readonly number[]): Promise<number[]>;
  /** COPY: new UIDs in the target, pairwise with the source UIDs that still existed. */
  copy(account: AccountRef, fromMailboxId: number, uids: readonly number[], to: string): Promise<CopyResult>;
  /** UIDs (ascending) of the mailbox's messages that match (SEARCH). */
  search(account: AccountRef, mailboxId: number, criteria: Criteria): Promise<number[]>;
  /** UIDs of the matching messages in the order asked, ties in UID order (SORT, RFC 5256). */
  sort(account: AccountRef, mailboxId: number, criteria: Criteria, order: readonly SortCriterion[]): Promise<number[]>;
  /** What threading needs of each of the given UIDs (THREAD, RFC 5256), in UID order. */
  threadInfo(account: AccountRef, mailboxId: number, uids: readonly number[]): Promise<ThreadInfo[]>;
  /** RFC 8970 preview text of each of the given UIDs that exists. */
  previews(account: AccountRef, mailboxId: number, uids: readonly number[]): Promise<Map<number, string>>;
  /** MOVE: copy, then expunge the sources whatever their flags. */
  move(account: AccountRef, fromMailboxId: number, uids: readonly number[], to: string): Promise<CopyResult>;

  /** METADATA annotations (RFC 5464) of the server and the mailboxes, per account. */
  readonly metadata: MetadataStore;
  /** URLAUTH keys (RFC 4467), one per mailbox. */
  readonly urlauthKeys: UrlAuthKeys;
}

/** RFC 5256 sort keys and RFC 5957 DISPLAYFROM/DISPLAYTO. Strings compare by i;unicode-casemap. */
export type SortKey = 'arrival' | 'cc' | 'date' | 'from' | 'size' | 'subject' | 'to' | 'displayfrom' | 'displayto';
export type SortCriterion = { key: SortKey; reverse: boolean };

export type ThreadInfo = {
  uid: number;
  /** Normalised Message-ID, '' when the message has none. */
  messageId: string;
  /** Normalised IDs of its References (or its first In-Reply-To), oldest first. */
  references: string[];
  /** Base subject in its comparison form (RFC 5256 §2.1, i;unicode-casemap). */
  subject: string;
  /** Extracting the base subject removed a reply or forward marker. */
  reply: boolean;
  /** RFC 5256 §2.2 sent date (ms), the internal date when the Date: field is unusable. */
  sentDate: number;
};

export type MessageMeta = { uid: number; modSeq: number; flags: string[] };

/** Nothing changed: modSeq 0, no UIDs. failed: UIDs that failed UNCHANGEDSINCE, when given. */
export type FlagChange = { modSeq: number; uids: number[]; failed?: number[] };

export type FlagTable = {
  uids: Uint32Array;
  modSeqs: Float64Array | null;
  /** The flag list as IMAP writes it inside FLAGS (...), e.g. "\\Seen $Forwarded". */
  flags: string[];
};

export type MailboxSnapshot = {
  info: MailboxInfo;
  /** Ascending. */
  uids: Uint32Array;
  /** 0 when every message has \Seen. */
  firstUnseenUid: number;
  keywords: string[];
  /** UIDs in [from, to) are \Recent for the session that asked (none when from === to). */
  recent: { from: number; to: number };
};

export type MessageRecord = MessageMeta & {
  internalDate: Date;
  size: number;
  envelope: ImapEnvelope;
  body: BodyPart;
  /** Where the message as received starts in the file (after per-recipient headers). */
  dataOffset: number;
  /** ENVELOPE, BODY and BODYSTRUCTURE as IMAP wire text in the non-UTF-8 form of
   *  mime/imap-format.ts, when the index keeps them (null: format from envelope and body). */
  wire?: MessageWire | null;
  /** EMAILID (RFC 8474 §5.1): the same for a message and its copies. */
  emailId: string;
  /** When the message came into this mailbox (RFC 8514 SAVEDATE). */
  savedDate: Date;
  /** Where the store keeps the file (for readMessage), when it says. */
  location?: string;
};

export type MessageWire = { envelope: string; body: string; bodyStructure: string };

export type AppendInput = MessageInput & { flags: readonly string[] };
export type AppendResult = { mailboxId: number; uidValidity: number; uids: number[] };
/** An APPEND whose files are on disk, not yet in the index (MessageStore.prepareAppend). */
export type PreparedAppend = { commit(): Promise<AppendResult> };
export type CopyResult = { uidValidity: number; sourceUids: number[]; destUids: number[] };

export type MailboxErrorCode = 'NONEXISTENT' | 'ALREADYEXISTS' | 'CANNOT' | 'TRYCREATE' | 'INUSE' | 'OVERQUOTA' | 'LIMIT';

/** A refusal the client may see: `code` is the IMAP response code (RFC 5530). */
export class MailboxError extends Error {
  readonly code: MailboxErrorCode;
  constructor(code: MailboxErrorCode, message: string) {
    super(message);
    this.name = 'MailboxError';
    this.code = code;
  }
}

export type MailboxChange =
  | { kind: 'exists'; accountId: number; mailboxId: number; uid: number; modSeq: number }
  | { kind: 'expunge'; accountId: number; mailboxId: number; uids: number[]; modSeq: number }
  | { kind: 'flags'; accountId: number; mailboxId: number; uids: number[]; modSeq: number }
  /** name: the mailbox's name after the change; oldName: before a rename (NOTIFY, RFC 5465 §5.4). */
  | { kind: 'mailbox'; accountId: number; mailboxId: number; what: 'created' | 'deleted' | 'renamed'; name?: string; oldName?: string }
  | { kind: 'subscription'; accountId: number; mailboxId: number; name: string; subscribed: boolean }
  /** METADATA entries set or removed (RFC 5464 §4.4.2); mailboxId null: server entries. */
  | { kind: 'metadata'; accountId: number; mailboxId: number | null; entries: string[] };

/** Broadcasts changes after commit, in commit order, to whoever watches an account. */
export interface ChangeBus {
  publish(change: MailboxChange): void;
  subscribe(accountId: number, fn: (c: MailboxChange) => void): () => void;
}
