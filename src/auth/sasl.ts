// SASL helpers shared by IMAP AUTHENTICATE, POP3 AUTH and SMTP AUTH: the PLAIN message
// (RFC 4616) and the LOGIN mechanism (draft-murchison-sasl-login-00), both carried in base64
// (RFC 4648 §4) one line at a time. Pure functions: no I/O, nothing thrown.
import { lookupKey, parseAddress } from '../core/address.ts';

/** A client line of more base64 than this is refused (a PLAIN message of about 6 KB). */
export const MAX_SASL_BASE64 = 8192;

/** The LOGIN mechanism's challenges: base64 of "Username:" and "Password:". */
export const LOGIN_USERNAME_PROMPT = 'VXNlcm5hbWU6';
export const LOGIN_PASSWORD_PROMPT = 'UGFzc3dvcmQ6';

/** RFC 4422 §3.5 (and RFC 9051 §6.2.2, RFC 4954 §4): a client line of "*" cancels the exchange. */
export const isSaslCancel = (line: string): boolean => line === '*';

export type PlainCredentials = {
  /** Always '' or equal to authcid: we do not support acting as another user. */
  authzid: string;
  authcid: string;
  password: string;
};

export type PlainResult = { ok: true; credentials: PlainCredentials } | { ok: false; reason: 'malformed' | 'authzid' };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes base64 (RFC 4648 §4 alphabet; "=" padding optional, nothing else allowed, no
 * whitespace); null when it is not base64 or longer than MAX_SASL_BASE64.
 */
export function decodeBase64(text: string): Buffer | null {
  if (typeof text !== 'string' || text.length > MAX_SASL_BASE64) return null;
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(text);
  if (m === null) return null;
  const [, body, pad] = m;
  if (pad !== '' ? text.length % 4 !== 0 : body.length % 4 === 1) return null;
  return Buffer.from(body, 'base64');
}

/** UTF-8 text, or null when the bytes are not well-formed UTF-8. */
function decodeUtf8(b: Buffer): string | null {
  try {
    return utf8.decode(b);
  } catch {
    return null;
  }
}

/**
 * RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd, each field any UTF-8
 * except NUL, authcid and passwd not empty. Reason 'authzid' when the message is well formed
 * but asks to act as someone else (an authzid neither empty nor the same address as authcid):
 * IMAP answers that with [AUTHORIZATIONFAILED], not BAD.
 */
export function parsePlain(base64: string): PlainResult {
  const bytes = decodeBase64(base64);
  if (bytes === null) return { ok: false, reason: 'malformed' };
  const text = decodeUtf8(bytes);
  if (text === null) return { ok: false, reason: 'malformed' };
  const fields = text.split('\u0000');
  if (fields.length !== 3) return { ok: false, reason: 'malformed' };
  const [authzid, authcid, password] = fields;
  if (authcid === '' || password === '') return { ok: false, reason: 'malformed' };
  if (authzid !== '' && !sameUser(authzid, authcid)) return { ok: false, reason: 'authzid' };
  return { ok: true, credentials: { authzid, authcid, password } };
}

/** parsePlain without the reason: the credentials, or null for anything we do not accept. */
export function decodePlain(base64: string): PlainCredentials | null {
  const r = parsePlain(base64);
  return r.ok ? r.credentials : null;
}

/** The base64 PLAIN message a client sends (for tests and our own SMTP client). */
export function encodePlain(authcid: string, password: string, authzid = ''): string {
  return Buffer.from(`${authzid}\u0000${authcid}\u0000${password}`, 'utf8').toString('base64');
}

/**
 * A LOGIN mechanism answer (to either prompt): the decoded UTF-8 text, or null when it is not
 * base64, not UTF-8, empty, or contains NUL.
 */
export function decodeLoginResponse(base64: string): string | null {
  const bytes = decodeBase64(base64);
  if (bytes === null || bytes.length === 0) return null;
  const text = decodeUtf8(bytes);
  if (text === null || text.includes('\u0000')) return null;
  return text;
}

/** authzid names the same user as authcid: the same text, or the same directory key. */
function sameUser(authzid: string, authcid: string): boolean {
  if (authzid === authcid) return true;
  const a = parseAddress(authzid);
  const b = parseAddress(authcid);
  return a.ok && b.ok && lookupKey(a.address) === lookupKey(b.address);
}
