// What a mailbox search asks for, in store terms (no IMAP types): src/imap/search-translate.ts
// builds it from a SEARCH command, and each store backend evaluates it (the SQLite one in
// sqlite-maildir/search-messages.ts). String matches are case-insensitive substrings
// (RFC 9051 §6.4.4).

export type Criteria =
  | { op: 'all'; of: Criteria[] } // every one matches; all of [] matches everything
  | { op: 'any'; of: Criteria[] } // one at least matches; any of [] matches nothing
  | { op: 'not'; of: Criteria }
  /** UIDs, inclusive ranges, already resolved ("*" and "$" gone). */
  | { op: 'uid'; ranges: [number, number][] }
  /** A system flag ('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft') or a keyword. */
  | { op: 'flag'; flag: string; set: boolean }
  /** The decoded header text of that field. */
  | { op: 'field'; field: 'subject' | 'from' | 'to' | 'cc' | 'bcc'; value: string }
  /** body: the decoded text of the body; text: header or body. */
  | { op: 'body' | 'text'; value: string }
  /** A header field of that name whose value contains value ('' : the field is present). */
  | { op: 'header'; field: string; value: string }
  /** day is YYYY-MM-DD; dates compare as UTC days. sent falls back to internal without Date:;
   *  saved is when the message came into the mailbox (RFC 8514). */
  | { op: 'date'; which: 'internal' | 'sent' | 'saved'; cmp: 'before' | 'on' | 'since'; day: string }
  /** RFC 5032 WITHIN: internal date (ms) before `ms`, or at or after it. */
  | { op: 'time'; cmp: 'before' | 'since'; ms: number }
  /** larger: size > value; smaller: size < value (RFC822.SIZE). */
  | { op: 'size'; cmp: 'larger' | 'smaller'; value: number }
  /** RFC 7162 §3.1.5: MODSEQ >= atLeast. */
  | { op: 'modseq'; atLeast: number }
  /** RFC 8474 EMAILID, as the store's number behind the objectid. */
  | { op: 'emailid'; id: number }
  | { op: 'everything' };

/** Matches nothing (RFC 8474 EMAILID before ids exist, an empty RECENT set). */
export const NOTHING: Criteria = { op: 'any', of: [] };
