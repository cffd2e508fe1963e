// Limits of the web listeners: requests here are small (an autodiscover POST is under 1 KB).
export const HTTP_LIMITS = {
  /** Largest request body accepted, in bytes. */
  bodyLimit: 16 * 1024,
  /** Largest request head (request line + header fields), in bytes. */
  maxHeaderSize: 8 * 1024,
  /** A whole request (head and body) must arrive within this many ms (slowloris). */
  requestTimeoutMs: 15_000,
  /** Head alone. */
  headersTimeoutMs: 10_000,
  /** An idle connection is closed after this many ms. */
  connectionTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 100,
  /** Longest query value we look at (an address is at most 254 octets). */
  maxParamLength: 320,
} as const;
