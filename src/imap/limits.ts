// Every limit the IMAP reader and parser enforce, in one place so they cannot drift apart.
// A session may override some (e.g. appendLimit from the config); the rest are safety bounds
// against clients that claim more than they send or nest more than any real client does.

export type Limits = {
  /** Bytes of command text, all lines of one command together, literals excluded (Dovecot: 64k). */
  readonly maxLineBytes: number;
  /** One message literal in APPEND: the APPENDLIMIT we advertise (RFC 7889). */
  readonly appendLimit: number;
  /** All literals of one APPEND (MULTIAPPEND, RFC 3502) together. */
  readonly maxAppendBytes: number;
  /** One literal in any command other than APPEND (mailbox names, search strings, passwords). */
  readonly maxLiteralBytes: number;
  /** All literals of one command other than APPEND together. */
  readonly maxCommandLiteralBytes: number;
  /** Largest non-synchronizing literal when LITERAL- is advertised (RFC 7888 §5). */
  readonly literalMinusMax: number;
  /** Nesting of parenthesised lists and of SEARCH keys (NOT, OR, lists). */
  readonly maxDepth: number;
  /** Items in one parenthesised list (flags, fetch items, header names, patterns, …). */
  readonly maxListItems: number;
  /** Search keys in one SEARCH, counting every nested key. */
  readonly maxSearchKeys: number;
  /** Ranges in one sequence set ("1,3,5:7" is three). */
  readonly maxSeqRanges: number;
  /** Messages in one MULTIAPPEND. */
  readonly maxAppendMessages: number;
};

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxLineBytes: 64 * 1024,
  appendLimit: 50 * 1024 * 1024,
  maxAppendBytes: 100 * 1024 * 1024,
  maxLiteralBytes: 64 * 1024,
  maxCommandLiteralBytes: 1024 * 1024,
  literalMinusMax: 4096,
  maxDepth: 64, // OR chains nest one level per OR: "OR OR OR a b c d" is depth 3
  maxListItems: 1000,
  maxSearchKeys: 5000,
  maxSeqRanges: 20_000,
  maxAppendMessages: 1000,
});

export const withLimits = (overrides?: Partial<Limits>): Limits =>
  overrides === undefined ? DEFAULT_LIMITS : Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
