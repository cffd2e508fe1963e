// The outbound queue's contract with the parts that hand it mail: submission, alias forwarding
// and bounces. enqueue() resolves only once the message is durably on disk and in the index;
// the caller may then answer 250. Which recipients are local and which go out is the queue's
// decision, so every path treats a recipient the same way.

/** RFC 3461 NOTIFY: NEVER, or any of SUCCESS, FAILURE, DELAY. Absent means FAILURE,DELAY. */
export type DsnNotify = 'NEVER' | ReadonlyArray<'SUCCESS' | 'FAILURE' | 'DELAY'>;

export type OutboundRecipient = {
  address: string;
  notify?: DsnNotify;
  /**
   * RFC 3461 ORCPT, as given ("rfc822;user@example.org"), xtext-decoded (smtp-server decodes
   * it). The queue xtext-encodes it again when relaying.
   */
  orcpt?: string;
};

export type OutboundOrigin = {
  kind: 'submission' | 'forward' | 'bounce' | 'local';
  /** The authenticated account that submitted it, for logs and rate limits. */
  account?: string;
  clientIp?: string;
  /** The id of the session or message it came from, to tie log lines together. */
  sessionId?: string;
};

export type OutboundMessage = {
  /** Envelope sender; '' is the null reverse-path (bounces), which is never bounced to. */
  from: string;
  recipients: OutboundRecipient[];
  /** RFC 3461 RET and ENVID (ENVID xtext-decoded, as ORCPT). */
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  /** The whole message, CRLF line ends, headers first (already DKIM-signed when it needs to be). */
  message: Buffer;
  origin: OutboundOrigin;
};

export interface OutboundQueue {
  /** Durably queues the message; the id names it in logs and in `mailhaven queue`. */
  enqueue(m: OutboundMessage): Promise<{ queueId: string }>;
}
