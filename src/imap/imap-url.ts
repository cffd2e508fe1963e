// IMAP URLs (RFC 5092) as CATENATE (RFC 4469) and URLAUTH (RFC 4467) use them: one message,
// or one part of it, in a mailbox, optionally with a URLAUTH component. Pure parsing, no I/O.
//   imapurl      = "imap://" iserver "/" imessagepart [iurlauth]      (absolute)
//   relative     = "/" imessagepart [iurlauth]                         (CATENATE, same server)
//   imessagepart = enc-mailbox [";UIDVALIDITY=" nz-number] "/;UID=" nz-number
//                  ["/;SECTION=" enc-section] ["/;PARTIAL=" number ["." nz-number]]
//   iurlauth     = [";EXPIRE=" date-time] ";URLAUTH=" access [":" mechanism ":" token]
//   access       = ("submit+" enc-user) / ("user+" enc-user) / "authuser" / "anonymous"
import { isUtf8 } from 'node:buffer';
import type { ByteRange, Section, SectionText } from './ast.ts';

export type ImapUrl = {
  /** Absent for a relative URL. */
  readonly server?: { readonly user?: string; readonly host: string };
  readonly mailbox: string;
  readonly uidValidity?: number;
  readonly uid: number;
  readonly section?: Section;
  readonly partial?: ByteRange;
  readonly urlauth?: {
    readonly expire?: Date;
    /** "anonymous", "authuser", "user+<addr>" or "submit+<addr>" (user part decoded). */
    readonly access: string;
    /** The URL up to and including ";URLAUTH=<access>": what the token signs (RFC 4467 §3). */
    readonly rump: string;
    readonly mechanism?: string;
    readonly token?: string;
  };
};

const MAX_URL = 4096;
const PATH = new RegExp(
  '^/(?<mailbox>[^;]+?)(?:;UIDVALIDITY=(?<uidvalidity>[1-9][0-9]{0,9}))?/;UID=(?<uid>[1-9][0-9]{0,9})' +
    '(?:/;SECTION=(?<section>[^/;]+))?(?:/;PARTIAL=(?<offset>[0-9]{1,15})(?:\\.(?<length>[1-9][0-9]{0,14}))?)?' +
    '(?<auth>(?:;EXPIRE=(?<expire>[^;]+))?;URLAUTH=(?<access>[^:;]+)(?::(?<mech>[A-Za-z0-9-.]+):(?<token>[0-9A-Fa-f]+))?)?$',
  'i',
);

function pctDecode(s: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  const bytes = Buffer.from(s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/** enc-section: "1.2", "1.2.MIME", "HEADER", "TEXT", "1.HEADER.FIELDS (A B)". */
function parseSection(s: string): Section | undefined {
  const m = /^(?:([1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,31}))?(?:(?:^|\.)(HEADER|TEXT|MIME|HEADER\.FIELDS(?:\.NOT)? \(([^()]*)\)))?$/i.exec(s);
  if (m === null || (m[1] === undefined && m[2] === undefined)) return undefined;
  const part = m[1] === undefined ? [] : m[1].split('.').map(Number);
  if (m[2] === undefined) return { part };
  const text = m[2].toUpperCase().replace(/ \(.*$/, '') as SectionText;
  if (text === 'MIME' && part.length === 0) return undefined;
  if (m[3] === undefined) return { part, text };
  const fields = m[3].split(' ').filter((f) => f !== '');
  return fields.length === 0 ? undefined : { part, text, fields };
}

/** The URL, or undefined when it is not one of the forms above. */
export function parseImapUrl(url: string): ImapUrl | undefined {
  // URLs are ASCII; anything else is %-encoded (RFC 3986).
  if (url.length > MAX_URL || !/^[\x21-\x7e]+$/.test(url)) return undefined;
  let server: ImapUrl['server'];
  let path = url;
  const abs = /^imap:\/\/(?:([^@/]*)@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(\/.*)$/i.exec(url);
  if (abs !== null) {
    let user: string | undefined;
    if (abs[1] !== undefined) {
      user = pctDecode(abs[1].replace(/;AUTH=.*$/i, ''));
      if (user === undefined) return undefined;
    }
    server = user === undefined || user === '' ? { host: abs[2].toLowerCase() } : { user, host: abs[2].toLowerCase() };
    path = abs[3];
  } else if (!url.startsWith('/')) return undefined;
  const m = PATH.exec(path);
  if (m === null || m.groups === undefined) return undefined;
  const g = m.groups;
  const decoded = pctDecode(g.mailbox);
  if (decoded === undefined || decoded === '') return undefined;
  const mailbox = /^inbox$/i.test(decoded) ? 'INBOX' : decoded.normalize('NFC');
  let out: ImapUrl = { mailbox, uid: Number(g.uid) };
  if (server !== undefined) out = { ...out, server };
  if (g.uidvalidity !== undefined) out = { ...out, uidValidity: Number(g.uidvalidity) };
  if (g.section !== undefined) {
    const text = pctDecode(g.section);
    const section = text === undefined ? undefined : parseSection(text);
    if (section === undefined) return undefined;
    out = { ...out, section };
  }
  if (g.offset !== undefined) out = { ...out, partial: { offset: Number(g.offset), length: g.length === undefined ? Number.MAX_SAFE_INTEGER : Number(g.length) } };
  if (g.auth !== undefined) {
    const accessText = pctDecode(g.access);
    if (accessText === undefined) return undefined;
    const am = /^(?:(anonymous|authuser)|(submit|user)\+(.+))$/i.exec(accessText);
    if (am === null) return undefined;
    const access = am[1] !== undefined ? am[1].toLowerCase() : `${am[2].toLowerCase()}+${am[3]}`;
    let expire: Date | undefined;
    if (g.expire !== undefined) {
      // RFC 3339 date-time
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i.test(g.expire)) return undefined;
      expire = new Date(g.expire);
      if (Number.isNaN(expire.getTime())) return undefined;
    }
    const verifierAt = g.mech === undefined ? url.length : url.length - (g.mech.length + g.token!.length + 2);
    const rump = url.slice(0, verifierAt);
    let urlauth: NonNullable<ImapUrl['urlauth']> = { access, rump };
    if (expire !== undefined) urlauth = { ...urlauth, expire };
    if (g.mech !== undefined) urlauth = { ...urlauth, mechanism: g.mech.toUpperCase(), token: g.token!.toLowerCase() };
    out = { ...out, urlauth };
  }
  return out;
}
