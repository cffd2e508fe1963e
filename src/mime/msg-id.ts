// Message IDs in the normalised form THREAD=REFERENCES compares (RFC 5256 §BASE.6.4.THREAD):
// <"a b"@host> and <ab@host> are one ID, so quoting, escapes, comments and white space go.
// Comparison stays case-sensitive, as that section says.

const MAX_IDS = 200; // a References field longer than this is truncated from the front

function normalise(inner: string): string | null {
  const id = inner.replace(/\\(.)/g, '$1').replace(/["\s]/g, '');
  // msg-id = "<" id-left "@" id-right ">" (RFC 5322 §3.6.4); anything else is not valid
  const at = id.indexOf('@');
  return at > 0 && at < id.length - 1 ? id : null;
}

/** The valid message IDs of a header value, in order. */
export function messageIds(value: string | null | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const m of value.replace(/\([^()]*\)/g, ' ').matchAll(/<([^<>]*)>/g)) {
    const id = normalise(m[1]);
    if (id !== null) out.push(id);
  }
  return out.length > MAX_IDS ? out.slice(-MAX_IDS) : out;
}

/** What a message refers to: its References, or else the first ID of its In-Reply-To. */
export function threadReferences(references: string | null | undefined, inReplyTo: string | null | undefined): string[] {
  const refs = messageIds(references);
  if (refs.length > 0) return refs;
  return messageIds(inReplyTo).slice(0, 1);
}
