// Every POP3 limit in one place, so the reader, the parser and the session cannot drift.

/** RFC 2449 §4: a command line is at most 255 octets, including the CRLF. */
export const MAX_COMMAND_LINE = 255;

/**
 * RFC 5034 §4: SASL responses after the AUTH line may be longer than a command; we take one
 * PLAIN message of MAX_SASL_BASE64 (src/auth/sasl.ts) plus its CRLF. Anything longer is
 * discarded up to its line end and answered with -ERR.
 */
export const MAX_READ_LINE = 8192 + 2;

/** RFC 1939 §3: the autologout timer is at least 10 minutes (TRANSACTION state). */
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;

/**
 * Before login (AUTHORIZATION state) a connection holds no maildrop and has not proven who it
 * is, so it gets a shorter timer; RFC 1939 §3 asks for the 10 minutes only once logged in.
 */
export const DEFAULT_LOGIN_TIMEOUT_MS = 60_000;

/** Simultaneous connections per listener; beyond it a new one gets -ERR [SYS/TEMP] and is closed. */
export const DEFAULT_MAX_CONNECTIONS = 500;

/** Unknown, malformed or out-of-state commands before the connection is closed. */
export const DEFAULT_MAX_BAD_COMMANDS = 10;

/** Message bytes are written in slices of this size, each waiting for the socket to drain. */
export const WRITE_CHUNK = 64 * 1024;

/** Client lines waiting to be run before the socket is paused (pipelining). */
export const MAX_PENDING_LINES = 64;
