// ENVELOPE and BODY / BODYSTRUCTURE in IMAP wire syntax, from the data parseMessage stored.
// Grammar: RFC 3501 §9 (address, envelope, body, body-type-*, body-ext-*), RFC 9051 §9 for
// message/global. Output strings are meant to be written as UTF-8 (see imap-quote.ts).
import type { BodyParam, BodyPart, ImapAddress, ImapEnvelope } from './types.ts';
import { imapString, nstring } from './imap-quote.ts';
import { isAscii } from '../core/ascii.ts';

function addressList(list: ImapAddress[] | null, utf8: boolean): string {
  if (list === null || list.length === 0) return 'NIL';
  let out = '(';
  for (const a of list) {
    out += `(${nstring(a.name, utf8)} ${nstring(a.adl, utf8)} ${nstring(a.mailbox, utf8)} ${nstring(a.host, utf8)})`;
  }
  return out + ')';
}

/** `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to
 *  SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"` (RFC 3501 §9). */
export function formatEnvelope(env: ImapEnvelope, utf8 = false): string {
  return (
    `(${nstring(env.date, utf8)} ${nstring(env.subject, utf8)} ` +
    `${addressList(env.from, utf8)} ${addressList(env.sender, utf8)} ${addressList(env.replyTo, utf8)} ` +
    `${addressList(env.to, utf8)} ${addressList(env.cc, utf8)} ${addressList(env.bcc, utf8)} ` +
    `${nstring(env.inReplyTo, utf8)} ${nstring(env.messageId, utf8)})`
  );
}

/**
 * body-fld-param: `"(" string SP string *(SP string SP string) ")" / nil`. Outside UTF-8 mode
 * a value that is not ASCII (an RFC 2231 name decoded, or raw 8-bit) goes back out in RFC 2231
 * form, `"filename*" "utf-8''%E2%82%AC.txt"`, as Dovecot sends it: 7-bit, and tagged with
 * its charset for the clients that decode it (RFC 3501 §4.3 wants 8-bit only where the charset
 * is identified).
 */
function paramList(params: BodyParam[] | undefined, utf8: boolean): string {
  if (params === undefined || params.length === 0) return 'NIL';
  return '(' + params.map(([k, v]) => (utf8 || isAscii(v) ? `${imapString(k, utf8)} ${imapString(v, utf8)}` : `${imapString(k + '*', false)} ${imapString("utf-8''" + rfc2231Encode(v), false)}`)).join(' ') + ')';
}

/** RFC 2231 §4 extended-other-values: attribute-chars as they are, the rest %XX of UTF-8. */
function rfc2231Encode(v: string): string {
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    // attribute-char: any CHAR except SPACE, CTLs, "*", "'", "%", or tspecials (RFC 2231 §7)
    out += b > 0x20 && b < 0x7f && !"*'%()<>@,;:\\\"/[]?=".includes(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc, shared by both extension forms. */
function dspLangLoc(p: BodyPart, utf8: boolean): string {
  const dsp = p.disposition === undefined ? 'NIL' : `(${imapString(p.disposition, utf8)} ${paramList(p.dispositionParams, utf8)})`;
  const lang = p.language === undefined || p.language.length === 0
    ? 'NIL'
    : p.language.length === 1
      ? imapString(p.language[0], utf8)
      : '(' + p.language.map((l) => imapString(l, utf8)).join(' ') + ')';
  return `${dsp} ${lang} ${nstring(p.location, utf8)}`;
}

// Dovecot's stand-in for a multipart without parts, which the grammar (1*body) cannot express.
function emptyText(extended: boolean): string {
  return `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0${extended ? ' NIL NIL NIL NIL' : ''})`;
}

function part(p: BodyPart, extended: boolean, utf8: boolean): string {
  if (p.parts !== undefined) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    let out = '(';
    if (p.parts.length === 0) out += emptyText(extended);
    for (const c of p.parts) out += part(c, extended, utf8);
    out += ' ' + imapString(p.subtype, utf8);
    if (extended) out += ` ${paramList(p.params, utf8)} ${dspLangLoc(p, utf8)}`;
    return out + ')';
  }
  let type = p.type;
  let subtype = p.subtype;
  const encapsulated = p.message !== undefined && p.envelope !== undefined;
  if (!encapsulated && type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    // an encoded message/rfc822 is opaque to us; body-type-basic must not say MESSAGE/RFC822
    type = 'application';
    subtype = 'octet-stream';
  }
  // Like Dovecot, a text part without parameters shows the RFC 2045 §5.2 default charset.
  const params = type === 'text' && p.params.length === 0 ? '("charset" "us-ascii")' : paramList(p.params, utf8);
  let out =
    `(${imapString(type, utf8)} ${imapString(subtype, utf8)} ${params} ` +
    `${nstring(p.id, utf8)} ${nstring(p.description, utf8)} ${imapString(p.encoding, utf8)} ${p.size}`;
  if (encapsulated) {
    // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
    out += ` ${formatEnvelope(p.envelope!, utf8)} ${part(p.message!, extended, utf8)} ${p.lines ?? 0}`;
  } else if (type === 'text') {
    out += ` ${p.lines ?? 0}`; // body-type-text = media-text SP body-fields SP body-fld-lines
  }
  if (extended) out += ` ${nstring(p.md5, utf8)} ${dspLangLoc(p, utf8)}`; // body-ext-1part
  return out + ')';
}

/** BODY (extended = false) or BODYSTRUCTURE (extended = true, with extension data). */
export function formatBodyStructure(body: BodyPart, extended: boolean, utf8 = false): string {
  return part(body, extended, utf8);
}
