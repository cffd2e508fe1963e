// CATENATE (RFC 4469): an APPEND message made of TEXT literals and URLs of messages (or parts)
// already on the server, resolved here into plain bytes before the APPEND goes on as usual.
import type { AppendMessage } from '../ast.ts';
import { parseImapUrl } from '../imap-url.ts';
import type { Session } from '../session.ts';
import { catenateTarget, urlData } from '../url-access.ts';
import { no, type Reply } from './types.ts';

// resp-text-code BADURL carries the URL as text: no "]" (RFC 4469 §5 url-resp-text).
const badUrl = (url: string): Reply => no('Invalid URL in CATENATE', `BADURL ${url.replace(/[\]\r\n]/g, '').slice(0, 1000)}`);

/** The messages with every CATENATE joined into data, or the refusal (NO [BADURL], [TOOBIG]). */
export async function resolveCatenate(s: Session, messages: readonly AppendMessage[]): Promise<AppendMessage[] | Reply> {
  const limit = s.deps.limits.appendLimit;
  // URLs cost the client nothing to send: all messages of one APPEND together stay within the
  // same total the reader enforces on literals (MULTIAPPEND).
  let total = 0;
  const out: AppendMessage[] = [];
  for (const m of messages) {
    if (m.catenate === undefined) {
      total += m.data.length;
      out.push(m);
      continue;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for (const part of m.catenate) {
      let data: Buffer | null;
      if ('text' in part) data = part.text;
      else {
        const url = parseImapUrl(part.url);
        const target = url === undefined ? null : await catenateTarget(s, url);
        data = target === null || url === undefined ? null : urlData(target, url);
        if (data === null) return badUrl(part.url);
      }
      size += data.length;
      total += data.length;
      // RFC 4469 §3: the result is a message like any other: over APPENDLIMIT is [TOOBIG].
      if (size > limit) return no(`Message too big (at most ${limit} octets)`, 'TOOBIG');
      if (total > s.deps.limits.maxAppendBytes) return no('Messages too big together', 'TOOBIG');
      chunks.push(data);
    }
    const { catenate: _parts, ...rest } = m;
    out.push({ ...rest, data: Buffer.concat(chunks, size) });
  }
  return out;
}
