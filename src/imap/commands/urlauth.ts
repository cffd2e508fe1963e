// URLAUTH (RFC 4467 §7): GENURLAUTH signs URL rumps of the user's own messages, RESETKEY
// revokes what was signed, URLFETCH returns what an authorized URL names; with URLAUTH=BINARY
// (RFC 5524) URLFETCH also gives the part's structure and its decoded content.
import { formatBodyStructure } from '../../mime/imap-format.ts';
import { partAt } from '../../mime/section.ts';
import type { BodyPart } from '../../mime/types.ts';
import { FetchError, binaryData } from '../fetch-response.ts';
import { parseImapUrl, type ImapUrl } from '../imap-url.ts';
import { ResponseLine } from '../response.ts';
import { URLAUTH_MECHANISM, authorized, sameAddress, sign, urlData, type UrlTarget } from '../url-access.ts';
import { AUTHED, bad, no, ok, type Handler } from './types.ts';

export const genurlauth: Handler<'GENURLAUTH'> = {
  states: AUTHED,
  async run(s, cmd) {
    const host = s.deps.hostname;
    if (host === undefined) return bad('URLAUTH is not available');
    const me = s.account!;
    const signed: string[] = [];
    for (const { url: text, mechanism } of cmd.args.urls) {
      if (mechanism !== URLAUTH_MECHANISM) return bad(`Unknown URLAUTH mechanism ${mechanism.slice(0, 30)}`, `URLMECH ${URLAUTH_MECHANISM}`);
      const url = parseImapUrl(text);
      // §7: a URL rump of this user's on this server, ending in ";URLAUTH=<access>".
      if (url?.urlauth === undefined || url.urlauth.token !== undefined || url.server?.user === undefined) return bad('Not an IMAP URL rump');
      if (url.server.host !== host.toLowerCase() || !sameAddress(url.server.user, me.address)) return bad('The URL must name this server and user');
      if (url.urlauth.expire !== undefined && url.urlauth.expire.getTime() <= Date.now()) return bad('The URL has expired already');
      const mailbox = await s.deps.store.getMailbox(me.id, url.mailbox);
      if (!mailbox) return no('Mailbox does not exist', 'NONEXISTENT');
      if (url.uidValidity !== undefined && url.uidValidity !== mailbox.uidValidity) return no('UIDVALIDITY does not match');
      const key = await s.deps.store.urlauthKeys.key(me.id, mailbox.id);
      signed.push(`${url.urlauth.rump}:internal:${sign(key, url.urlauth.rump)}`);
    }
    const line = new ResponseLine().raw('* GENURLAUTH');
    for (const u of signed) line.sp().string(u);
    await s.send(line.toBuffer());
    return ok('GENURLAUTH completed');
  },
};

export const resetkey: Handler<'RESETKEY'> = {
  states: AUTHED,
  async run(s, cmd) {
    const me = s.account!;
    if (cmd.args.mechanisms.some((m) => m !== URLAUTH_MECHANISM)) return bad('Unknown URLAUTH mechanism', `URLMECH ${URLAUTH_MECHANISM}`);
    if (cmd.args.mailbox === undefined) {
      await s.deps.store.urlauthKeys.reset(me.id, null);
      return ok('RESETKEY completed');
    }
    const mailbox = await s.deps.store.getMailbox(me.id, cmd.args.mailbox);
    if (!mailbox) return no('Mailbox does not exist', 'NONEXISTENT');
    await s.deps.store.urlauthKeys.reset(me.id, mailbox.id);
    return ok('RESETKEY completed');
  },
};

/** The part a URL names, for BODYPARTSTRUCTURE and BINARY: only part numbers, no HEADER/TEXT. */
function namedPart(t: UrlTarget, url: ImapUrl): BodyPart | null {
  const section = url.section ?? { part: [] };
  if (section.text !== undefined) return null;
  return section.part.length === 0 ? t.record.body : partAt(t.record.body, section.part);
}

function partial(data: Buffer, url: ImapUrl): Buffer {
  if (url.partial === undefined) return data;
  const { offset, length } = url.partial;
  return offset >= data.length ? data.subarray(0, 0) : data.subarray(offset, Math.min(data.length, offset + length));
}

/** RFC 5524 §3.2: (BODYPARTSTRUCTURE …) (BINARY …) (BODY …) in the order asked. */
function writeMetadata(line: ResponseLine, t: UrlTarget, url: ImapUrl, params: readonly string[]): void {
  const part = namedPart(t, url);
  let decoded: Buffer | null = null;
  if (params.includes('BINARY') && part !== null) {
    try {
      decoded = binaryData(t.record, t.file, url.section?.part ?? []);
    } catch (e) {
      if (!(e instanceof FetchError)) throw e;
    }
  }
  for (const p of params) {
    if (p === 'BODYPARTSTRUCTURE') {
      // What is returned: an identity encoding when BINARY decoded it (§3.2).
      const shown: BodyPart | null = part === null ? null : decoded !== null ? { ...part, encoding: 'binary', size: decoded.length } : part;
      const text = shown === null ? '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)' : formatBodyStructure(shown, false);
      line.raw(' (BODYPARTSTRUCTURE ').raw(Buffer.from(text, 'utf8').toString('latin1')).raw(')');
    } else if (p === 'BINARY') {
      line.raw(' (BINARY ');
      if (decoded === null) line.raw('NIL');
      else {
        const data = partial(decoded, url);
        line.literal(data, data.includes(0));
      }
      line.raw(')');
    } else if (p === 'BODY') {
      line.raw(' (BODY ').nstring(urlData(t, url)).raw(')');
    }
  }
}

export const urlfetch: Handler<'URLFETCH'> = {
  states: AUTHED,
  async run(s, cmd) {
    if (s.deps.hostname === undefined) return bad('URLAUTH is not available');
    const line = new ResponseLine().raw('* URLFETCH');
    for (const { url: text, params } of cmd.args.urls) {
      line.sp().string(text);
      const url = parseImapUrl(text);
      const target = url === undefined ? null : await authorized(s, url);
      const data = target === null ? null : urlData(target, url!);
      // §7: a URL that is invalid or not authorized for this session is NIL, not an error.
      if (target === null || data === null) line.raw(' NIL');
      // RFC 5524 §5: a parenthesised URL without parameters is answered as a bare one.
      else if (params === undefined || params.length === 0) line.sp().literal(data);
      else writeMetadata(line, target, url!, params);
      await s.send(line.take());
    }
    await s.send(line.end());
    return ok('URLFETCH completed');
  },
};
