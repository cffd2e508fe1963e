// What an IMAP URL (imap-url.ts) gives access to, and to whom: CATENATE's URL parts (RFC 4469
// §3: the session's own messages, or any URLAUTH-authorized one), URLFETCH (RFC 4467 §7) and
// GENURLAUTH's signing. Tokens are HMAC-SHA256 of the URL rump under the mailbox's key.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccountRef, MessageRecord } from '../store/store.ts';
import type { MailboxInfo } from '../store/store.ts';
import { sectionData } from './fetch-response.ts';
import type { ImapUrl } from './imap-url.ts';
import type { Session } from './session.ts';

export const URLAUTH_MECHANISM = 'INTERNAL';

/** The message a URL names, with its owner and mailbox; null when any of it does not exist. */
export type UrlTarget = { account: AccountRef; mailbox: MailboxInfo; record: MessageRecord; file: Buffer };

export const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The account a URL's server part names: this server's user, or the session's own for a relative URL. */
async function ownerOf(s: Session, url: ImapUrl): Promise<AccountRef | null> {
  const me = s.account!;
  if (url.server === undefined) return me;
  const host = s.deps.hostname;
  if (host === undefined || url.server.host !== host.toLowerCase()) return null;
  const user = url.server.user;
  if (user === undefined || sameAddress(user, me.address)) return me;
  return (await s.deps.accountOf?.(user)) ?? null;
}

/** The signature of a rump: hex HMAC-SHA256 under the mailbox key (256 bits, RFC 4467 §9 asks 128+). */
export function sign(key: Buffer, rump: string): string {
  return createHmac('sha256', key).update(rump, 'latin1').digest('hex');
}

async function locate(s: Session, account: AccountRef, url: ImapUrl): Promise<UrlTarget | null> {
  const store = s.deps.store;
  const mailbox = await store.getMailbox(account.id, url.mailbox);
  if (!mailbox || (url.uidValidity !== undefined && url.uidValidity !== mailbox.uidValidity)) return null;
  const [record] = await store.messageRecords(mailbox.id, [url.uid]);
  if (!record) return null;
  const file = await store.readMessage(account, mailbox.id, url.uid, record.location);
  return file === null ? null : { account, mailbox, record, file };
}

/**
 * The message of a URLAUTH-authorized URL, if the token is right, the URL has not expired and
 * its access identifier admits this session (RFC 4467 §6): "anonymous" anyone, "authuser" any
 * logged-in user, "user+x" only x. "submit+x" is for a submission server acting for x, and
 * ours fetches nothing by URL (no BURL), so no IMAP session qualifies.
 */
export async function authorized(s: Session, url: ImapUrl): Promise<UrlTarget | null> {
  const auth = url.urlauth;
  if (auth?.token === undefined || auth.mechanism !== URLAUTH_MECHANISM || url.server?.user === undefined) return null;
  if (auth.expire !== undefined && auth.expire.getTime() <= Date.now()) return null;
  const me = s.account!;
  const access = auth.access;
  const admitted = access === 'anonymous' || access === 'authuser' || (access.startsWith('user+') && sameAddress(access.slice(5), me.address));
  if (!admitted) return null;
  const owner = await ownerOf(s, url);
  if (owner === null) return null;
  const mailbox = await s.deps.store.getMailbox(owner.id, url.mailbox);
  if (!mailbox) return null;
  const key = await s.deps.store.urlauthKeys.existingKey(owner.id, mailbox.id);
  if (key === null) return null;
  const want = Buffer.from(sign(key, auth.rump), 'latin1');
  const got = Buffer.from(auth.token, 'latin1');
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  return locate(s, owner, url);
}

/** A CATENATE URL part (RFC 4469 §3): one of the session's own messages, or an authorized URL. */
export async function catenateTarget(s: Session, url: ImapUrl): Promise<UrlTarget | null> {
  if (url.urlauth !== undefined) return url.urlauth.token === undefined ? null : authorized(s, url);
  const owner = await ownerOf(s, url);
  return owner === null || owner.id !== s.account!.id ? null : locate(s, owner, url);
}

/** The bytes a URL names: the section (BODY.PEEK semantics, never \Seen), then the partial range. */
export function urlData(t: UrlTarget, url: ImapUrl): Buffer | null {
  const data = sectionData(t.record, t.file, url.section ?? { part: [] });
  if (data === null || url.partial === undefined) return data;
  const { offset, length } = url.partial;
  return offset >= data.length ? data.subarray(0, 0) : data.subarray(offset, Math.min(data.length, offset + length));
}
