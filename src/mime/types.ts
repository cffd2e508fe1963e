// The data the IMAP server needs from a message, computed once at delivery and stored as JSON,
// so that FETCH ENVELOPE / BODYSTRUCTURE / BODY[section] never re-parse the file.

/** One address of an ENVELOPE, RFC 3501 §7.4.2 / RFC 9051 §7.5.2: `(name adl mailbox host)`.
 *  Group syntax (RFC 5322 §3.4) is a start marker `{mailbox: group name, host: null}` and an end
 *  marker with all four null, exactly as IMAP sends it. Strings are raw header text (RFC 2047
 *  words are not decoded; clients do that) with RFC 5322 quoting removed. */
export type ImapAddress = {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
};

/** ENVELOPE as data; formatEnvelope() turns it into wire syntax field for field. Sender and
 *  replyTo already hold From when their header is absent or empty (RFC 3501 §7.4.2). An empty
 *  address list is null (the grammar has `"(" 1*address ")" / nil`). */
export type ImapEnvelope = {
  date: string | null;
  subject: string | null;
  from: ImapAddress[] | null;
  sender: ImapAddress[] | null;
  replyTo: ImapAddress[] | null;
  to: ImapAddress[] | null;
  cc: ImapAddress[] | null;
  bcc: ImapAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
};

/** A MIME parameter: name lowercased, value with RFC 2231 continuations and charset decoded. */
export type BodyParam = [name: string, value: string];

/** One node of the MIME tree. Optional fields are left out when the header has nothing, so the
 *  JSON stays small. Offsets index the raw message file:
 *    BODY[n.MIME] = raw[headerStart, bodyStart)   (the blank line belongs to the header)
 *    BODY[n]      = raw[bodyStart, bodyEnd)
 *  and for message/rfc822 parts the encapsulated message's header and text are the same two
 *  ranges of `message`. section.ts resolves section numbers to these ranges. */
export type BodyPart = {
  type: string;
  subtype: string;
  params: BodyParam[];
  id?: string;
  description?: string;
  /** Content-Transfer-Encoding, lowercased; '7bit' when absent (RFC 2045 §6.1). */
  encoding: string;
  /** Octets of the body in its transfer encoding. */
  size: number;
  /** Body lines, for text/* and for parsed message/rfc822 and message/global parts. */
  lines?: number;
  md5?: string;
  /** Content-Disposition type, lowercased (RFC 2183). */
  disposition?: string;
  dispositionParams?: BodyParam[];
  language?: string[];
  location?: string;
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
  /** multipart/*: the children in order, and the boundary that separated them. */
  parts?: BodyPart[];
  boundary?: string;
  /** message/rfc822 and message/global: the encapsulated message. */
  envelope?: ImapEnvelope;
  message?: BodyPart;
};

export type ParsedMessage = {
  envelope: ImapEnvelope;
  body: BodyPart;
  /** Offset where the top-level body starts (after the blank line); BODY[HEADER] is before it. */
  headerEnd: number;
  /** The Date: header as a Date, null when absent or unparseable (SENTBEFORE etc. then use
   *  the internal date). */
  date: Date | null;
  /** The same, its wall-clock time in the header's own zone read as UTC (see date.ts localDateMs). */
  dateLocal: number | null;
  /** RFC 2047-decoded, unfolded header text for SEARCH; '' when the header is absent. */
  subject: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  /** Message-ID without angle brackets, '' when none. */
  messageId: string;
  /** The References field as written (unfolded), '' when none; THREAD=REFERENCES reads it. */
  references?: string;
  /** Every header field as `name: value`, unfolded and RFC 2047-decoded, one per line, capped
   *  (MAX_HEADER_TEXT_CHARS), for a full-text index: the message's, then its MIME parts' and
   *  enclosed messages' (what SEARCH TEXT, not BODY, finds). */
  headerText: string;
  /** Decoded text of the text/* parts (HTML without tags), capped, for a full-text index. */
  text: string;
  /** The cap left text out (body-text.ts textPartsMatch reads it when a search needs it). */
  textTruncated: boolean;
};
