// Annotations on the server and on mailboxes (IMAP METADATA, RFC 5464). Server entries are
// kept per account: one user's "/shared/comment" on the server is not every user's (without
// ACL there is no one to share them with). Names are lower case (§3.2: case-insensitive).

export type MetadataTarget = { readonly accountId: number; /** null: server entries */ readonly mailboxId: number | null };

export type MetadataEntry = { readonly name: string; readonly value: Buffer };

/** Entries below a name returned with it (RFC 5464 §4.2.2). */
export type MetadataDepth = 0 | 1 | 'infinity';

export const METADATA_LIMITS = Object.freeze({
  /** One value; RFC 5464 §4.1 requires at least 1024. */
  maxValueBytes: 16 * 1024,
  /** Entries on one mailbox, or on the server for one account (at least 10). */
  maxEntries: 100,
  /** All values of one account together. */
  maxAccountBytes: 1024 * 1024,
});

/** SETMETADATA refused: `code` is the resp-text-code, e.g. "METADATA MAXSIZE 16384". */
export class MetadataError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'MetadataError';
    this.code = code;
  }
}

export interface MetadataStore {
  /** The named entries that exist and, with depth, those below them; by name. */
  getMetadata(target: MetadataTarget, names: readonly string[], depth: MetadataDepth): Promise<MetadataEntry[]>;
  /** Sets (value) or removes (null) entries, all or none; MetadataError MAXSIZE / TOOMANY. */
  setMetadata(target: MetadataTarget, entries: readonly { readonly name: string; readonly value: Buffer | null }[]): Promise<void>;
}
