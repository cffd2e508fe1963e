// The typed form of every IMAP4rev1/IMAP4rev2 command we parse, one union member per command.
// Names are upper-case; "UID FETCH" is name FETCH with uid true. Strings are decoded: mailbox
// names to Unicode (INBOX in upper case), astrings as UTF-8; message literals stay Buffers.

import type { SequenceSet } from './seqset.ts';

export type StatusItem =
  | 'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'DELETED' | 'SIZE'
  | 'HIGHESTMODSEQ' | 'DELETED-STORAGE' | 'APPENDLIMIT' | 'MAILBOXID';

/** A calendar date from SEARCH (RFC 9051 date-text): month 1-12, validated against the month. */
export type SearchDate = { readonly year: number; readonly month: number; readonly day: number };

export type SearchKey =
  | { readonly key: 'ALL' | 'ANSWERED' | 'DELETED' | 'DRAFT' | 'FLAGGED' | 'SEEN' | 'UNANSWERED'
      | 'UNDELETED' | 'UNDRAFT' | 'UNFLAGGED' | 'UNSEEN' | 'NEW' | 'OLD' | 'RECENT' | 'SAVEDATESUPPORTED' }
  | { readonly key: 'BCC' | 'BODY' | 'CC' | 'FROM' | 'SUBJECT' | 'TEXT' | 'TO'; readonly value: string }
  | { readonly key: 'HEADER'; readonly field: string; readonly value: string }
  | { readonly key: 'KEYWORD' | 'UNKEYWORD'; readonly flag: string }
  | { readonly key: 'BEFORE' | 'ON' | 'SINCE' | 'SENTBEFORE' | 'SENTON' | 'SENTSINCE'
      | 'SAVEDBEFORE' | 'SAVEDON' | 'SAVEDSINCE'; readonly date: SearchDate }
  | { readonly key: 'LARGER' | 'SMALLER'; readonly size: number }
  | { readonly key: 'UID' | 'SEQ'; readonly set: SequenceSet }
  | { readonly key: 'NOT'; readonly operand: SearchKey }
  | { readonly key: 'OR'; readonly left: SearchKey; readonly right: SearchKey }
  /** A parenthesised list: all must match. */
  | { readonly key: 'AND'; readonly operands: readonly SearchKey[] }
  /** RFC 7162 §3.1.5; entry is the optional metadata item ("/flags/\\seen", "all"). */
  | { readonly key: 'MODSEQ'; readonly modseq: bigint; readonly entry?: { readonly name: string; readonly type: 'priv' | 'shared' | 'all' } }
  /** RFC 8474 §5 */
  | { readonly key: 'EMAILID' | 'THREADID'; readonly id: string }
  /** RFC 5032 WITHIN: internal date older, or younger, than this many seconds. */
  | { readonly key: 'OLDER' | 'YOUNGER'; readonly seconds: number };

/** RFC 4731 ESEARCH, RFC 5182 SAVE and RFC 5267 CONTEXT/UPDATE result options (PARTIAL is
 *  carried apart). */
export type SearchReturn = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE' | 'CONTEXT' | 'UPDATE';

/** RFC 9394 PARTIAL: positions in the result list as the client wrote them; both negative
 *  counts from the end (-1 is the last result). */
export type PartialRange = { readonly first: number; readonly last: number };

/** RFC 5256 sort keys and RFC 5957 DISPLAYFROM/DISPLAYTO. */
export type SortKeyName = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
export type SortCriterionAst = { readonly key: SortKeyName; readonly reverse: boolean };

/** The parts SEARCH, SORT and THREAD share: result options, charset, criteria. */
type SearchProgram = {
  readonly charset?: string;
  /** undefined: no RETURN; [] means RETURN () which is RETURN (ALL). */
  readonly return?: readonly SearchReturn[];
  readonly partial?: PartialRange;
  readonly criteria: readonly SearchKey[];
};

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
/** BODY[<part>.<text> (fields)]: part [] is the whole message. */
export type Section = { readonly part: readonly number[]; readonly text?: SectionText; readonly fields?: readonly string[] };
/** <offset.length> */
export type ByteRange = { readonly offset: number; readonly length: number };

export type SimpleFetchItem =
  | 'ENVELOPE' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'BODY' | 'BODYSTRUCTURE' | 'UID'
  | 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT' | 'MODSEQ' | 'EMAILID' | 'THREADID' | 'SAVEDATE';

export type FetchItem =
  | { readonly item: SimpleFetchItem }
  | { readonly item: 'BODY[]'; readonly peek: boolean; readonly section: Section; readonly partial?: ByteRange }
  | { readonly item: 'BINARY[]'; readonly peek: boolean; readonly part: readonly number[]; readonly partial?: ByteRange }
  | { readonly item: 'BINARY.SIZE'; readonly part: readonly number[] }
  /** RFC 8970 */
  | { readonly item: 'PREVIEW'; readonly lazy: boolean };

export type AppendMessage = {
  readonly flags: readonly string[];
  readonly date?: Date;
  readonly data: Buffer;
  /** Sent as literal8 (RFC 3516): may hold NUL and unencoded binary. */
  readonly binary: boolean;
  /** Sent as UTF8 (~{n}) (RFC 6855 §4): headers may be UTF-8. */
  readonly utf8: boolean;
  /** CATENATE (RFC 4469): the message is these parts joined; data is then empty. */
  readonly catenate?: readonly CatPart[];
};

export type CatPart = { readonly text: Buffer } | { readonly url: string };

export type QresyncParams = {
  readonly uidValidity: number;
  readonly modseq: bigint;
  readonly knownUids?: SequenceSet;
  readonly seqMatch?: { readonly seqs: SequenceSet; readonly uids: SequenceSet };
};

export type ListSelect = { readonly subscribed: boolean; readonly remote: boolean; readonly recursiveMatch: boolean; readonly specialUse: boolean };
export type ListReturn = { readonly subscribed: boolean; readonly children: boolean; readonly specialUse: boolean; readonly status?: readonly StatusItem[] };

/** NOTIFY (RFC 5465 §8): which mailboxes an event group watches. */
export type NotifyFilter =
  | { readonly kind: 'selected' | 'selected-delayed' | 'inboxes' | 'personal' | 'subscribed' }
  | { readonly kind: 'subtree' | 'mailboxes'; readonly names: readonly string[] };
/** An event name as the client wrote it, canonical case for the known ones; fetch: MessageNew's attributes. */
export type NotifyEvent = { readonly name: string; readonly fetch?: readonly FetchItem[] };
export type NotifyGroup = { readonly filter: NotifyFilter; readonly events: readonly NotifyEvent[] };

type Cmd<N extends string, A> = { readonly tag: string; readonly name: N; readonly uid: boolean; readonly args: A };
type NoArgs = Readonly<Record<string, never>>;
type OneMailbox = { readonly mailbox: string };

export type Command =
  | Cmd<'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'IDLE' | 'NAMESPACE', NoArgs>
  /** set only for UID EXPUNGE (RFC 4315 §2.1). */
  | Cmd<'EXPUNGE', { readonly set?: SequenceSet }>
  /** initialResponse: SASL-IR (RFC 4959), decoded; "=" is an empty response. */
  | Cmd<'AUTHENTICATE', { readonly mechanism: string; readonly initialResponse?: Buffer }>
  | Cmd<'LOGIN', { readonly username: string; readonly password: string }>
  | Cmd<'ENABLE', { readonly capabilities: readonly string[] }>
  | Cmd<'SELECT' | 'EXAMINE', { readonly mailbox: string; readonly condstore: boolean; readonly qresync?: QresyncParams }>
  | Cmd<'CREATE', { readonly mailbox: string; readonly specialUse?: readonly string[] }>
  | Cmd<'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'GETQUOTAROOT', OneMailbox>
  | Cmd<'RENAME', { readonly from: string; readonly to: string }>
  /** extended: any RFC 5258 syntax was used (options, several patterns, RETURN). */
  | Cmd<'LIST', { readonly reference: string; readonly patterns: readonly string[]; readonly extended: boolean; readonly select: ListSelect; readonly return: ListReturn }>
  | Cmd<'LSUB', { readonly reference: string; readonly pattern: string }>
  | Cmd<'STATUS', { readonly mailbox: string; readonly items: readonly StatusItem[] }>
  | Cmd<'APPEND', { readonly mailbox: string; readonly messages: readonly AppendMessage[] }>
  /** return undefined: a plain SEARCH response; [] means RETURN () which is RETURN (ALL). */
  | Cmd<'SEARCH', SearchProgram>
  /** RFC 5256, RFC 5267 ESORT (RETURN), charset mandatory. */
  | Cmd<'SORT', SearchProgram & { readonly charset: string; readonly order: readonly SortCriterionAst[] }>
  /** RFC 5267 §4.3.5: tags of the searches whose updates stop. */
  | Cmd<'CANCELUPDATE', { readonly tags: readonly string[] }>
  | Cmd<'THREAD', { readonly algorithm: 'ORDEREDSUBJECT' | 'REFERENCES'; readonly charset: string; readonly criteria: readonly SearchKey[] }>
  | Cmd<'FETCH', { readonly set: SequenceSet; readonly items: readonly FetchItem[]; readonly macro?: 'ALL' | 'FAST' | 'FULL'; readonly changedSince?: bigint; readonly vanished: boolean; readonly partial?: PartialRange }>
  | Cmd<'STORE', { readonly set: SequenceSet; readonly unchangedSince?: bigint; readonly action: 'set' | 'add' | 'remove'; readonly silent: boolean; readonly flags: readonly string[] }>
  | Cmd<'COPY' | 'MOVE', { readonly set: SequenceSet; readonly mailbox: string }>
  | Cmd<'GETQUOTA', { readonly root: string }>
  | Cmd<'SETQUOTA', { readonly root: string; readonly resources: readonly { readonly name: string; readonly limit: number }[] }>
  /** params null: "ID NIL" (RFC 2971). */
  | Cmd<'ID', { readonly params: readonly (readonly [string, string | null])[] | null }>
  | Cmd<'COMPRESS', { readonly algorithm: string }>
  | Cmd<'UNAUTHENTICATE', NoArgs>
  /** RFC 8508: target is a sequence number (0 for "*"), or a UID with UID REPLACE. */
  | Cmd<'REPLACE', { readonly target: number; readonly mailbox: string; readonly message: AppendMessage }>
  /** RFC 5464: mailbox "" names the server; entry names are lower case. */
  | Cmd<'GETMETADATA', { readonly mailbox: string; readonly maxSize?: number; readonly depth: 0 | 1 | 'infinity'; readonly entries: readonly string[] }>
  | Cmd<'SETMETADATA', { readonly mailbox: string; readonly entries: readonly { readonly name: string; readonly value: Buffer | null }[] }>
  /** set null: NOTIFY NONE. */
  | Cmd<'NOTIFY', { readonly set: { readonly status: boolean; readonly groups: readonly NotifyGroup[] } | null }>
  /** RFC 4467 §7 */
  | Cmd<'GENURLAUTH', { readonly urls: readonly { readonly url: string; readonly mechanism: string }[] }>
  | Cmd<'RESETKEY', { readonly mailbox?: string; readonly mechanisms: readonly string[] }>
  /** params: RFC 5524's parenthesised form (upper case), absent for a bare URL. */
  | Cmd<'URLFETCH', { readonly urls: readonly { readonly url: string; readonly params?: readonly string[] }[] }>;

export type CommandName = Command['name'];

/** The args of the command(s) named N, also when one union member has several names. */
export type ArgsOf<N extends CommandName> = Command extends infer C
  ? C extends { readonly name: infer M; readonly args: infer A } ? (N extends M ? A : never) : never
  : never;

/** A command that could not be parsed: reply `tag error [code] text`. tag is "*" when unreadable. */
export type ParseError = {
  readonly tag: string;
  readonly name?: string;
  readonly error: 'BAD' | 'NO';
  readonly code?: string;
  readonly text: string;
  /** RFC 5182 §2.1: a SEARCH with SAVE answered NO leaves "$" empty. */
  readonly resetSaved?: boolean;
};

export const isParseError = (r: Command | ParseError): r is ParseError => 'error' in r;
