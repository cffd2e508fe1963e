// Every limit of the MIME parser in one place, so they cannot drift apart (like imapflow's).

/** Nesting of multipart and message/rfc822 parts; deeper ones become text/plain leaves.
 *  Dovecot uses 100; real mail never nests more than a handful. */
export const MAX_DEPTH = 50;

/** Body parts in one message (Dovecot's default too); the rest stay inside their parent's body. */
export const MAX_PARTS = 10_000;

/** Characters of extracted text kept for the full-text index (1 MiB). */
export const MAX_TEXT_CHARS = 1024 * 1024;
