// Mail addresses as SMTP carries them: parsing, normalising, formatting, directory keys.
//
// Grammar: RFC 5321 §4.1.2, extended for SMTPUTF8 by RFC 6531 §3.3 (UTF-8 in atext, qtextSMTP
// and U-label sub-domains):
//   Mailbox    = Local-part "@" ( Domain / address-literal )
//   Local-part = Dot-string / Quoted-string
// Limits: RFC 5321 §4.5.3.1 (local part 64 octets, domain 255, path 256 with the brackets, so
// 254 for the mailbox). Domains are kept as lower-case A-labels (RFC 5890), address literals
// (RFC 5321 §4.1.3) as given.
//
// Relay safety. The old routing syntaxes are NOT interpreted here: "user%other@ours",
// "other!user@ours" and "\"user@other\"@ours" all parse as local part "user%other",
// "other!user", "user@other" at domain "ours". The relay policy only ever looks at `domain`, so
// such an address is either a (normally unknown) local user at one of our domains or a refused
// relay: never a route to somewhere else. Source routes ("@a,@b:user@c", RFC 5321 §4.1.1.3 and
// Appendix C) are accepted and ignored: the address is user@c.
//
// `<Postmaster>` without a domain (RFC 5321 §4.1.1.3) is not a Mailbox and fails here with
// "no @"; the RCPT handler recognises it before calling parseAddress if it wants to.

import { isIPv6 } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

export type Address = { local: string; domain: string };

export type ParsedAddress = { ok: true; address: Address } | { ok: false; reason: string };

/** RFC 5321 §4.5.3.1.1 */
export const MAX_LOCAL_PART_OCTETS = 64;
/** RFC 5321 §4.5.3.1.2 */
export const MAX_DOMAIN_OCTETS = 255;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, "<" and ">" included. */
export const MAX_ADDRESS_OCTETS = 254;
/** RFC 1035 §2.3.4 */
const MAX_LABEL_OCTETS = 63;
/** Anything longer is refused before parsing: no legal path (with a source route) is near it. */
const MAX_INPUT_OCTETS = 1024;

// RFC 5322 §3.2.3 atext, plus any non-ASCII character (RFC 6531 §3.3, UTF8-non-ascii).
const ATEXT = "A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\u{10FFFF}";
const DOT_STRING = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`, 'u');
const ATEXT_CHAR = new RegExp(`^[${ATEXT}]$`, 'u');
// C0 controls and DEL (RFC 5321 §4.1.2: never in a mailbox), and the C1 controls U+0080-009F,
// which RFC 6531 §3.3 does not name but which no mailbox name needs.
const CONTROL = /\p{Cc}/u;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

const octets = (s: string): number => Buffer.byteLength(s, 'utf8');
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/**
 * Parses what is between "<" and ">" of MAIL FROM / RCPT TO (the caller strips the brackets
 * and handles the null path "<>"). The local part comes back unquoted; the domain as a
 * lower-case A-label, or an address literal as given.
 */
export function parseAddress(input: string, opts: { maxLocalOctets?: number } = {}): ParsedAddress {
  const maxLocal = opts.maxLocalOctets ?? MAX_LOCAL_PART_OCTETS;
  if (typeof input !== 'string' || input === '') return fail('empty address');
  if (octets(input) > MAX_INPUT_OCTETS) return fail(`address longer than ${MAX_ADDRESS_OCTETS} octets`);
  // U+FFFD: what bytes that are not UTF-8 were decoded to on the way in.
  if (!input.isWellFormed() || input.includes('\uFFFD')) return fail('invalid UTF-8 in address');
  const ctl = CONTROL.exec(input);
  if (ctl !== null) return fail(ctl[0] === '\u0000' ? 'NUL character in address' : 'control character in address');

  let rest = input;
  if (rest.startsWith('@')) {
    // RFC 5321 §4.1.2: A-d-l ":" Mailbox; the route "MUST BE accepted ... SHOULD be ignored".
    const colon = rest.indexOf(':');
    if (colon < 0) return fail('source route without ":"');
    for (const hop of rest.slice(0, colon).split(',')) {
      if (!hop.startsWith('@') || !checkDomain(hop.slice(1)).ok) return fail('bad source route');
    }
    rest = rest.slice(colon + 1);
  }
  if (rest === '') return fail('empty address');

  const lp = parseLocalPart(rest);
  if (!lp.ok) return lp;
  const { local, wire } = lp;
  if (octets(wire) > maxLocal) return fail(`local part longer than ${maxLocal} octets`);

  const domainText = rest.slice(wire.length + 1);
  if (domainText === '') return fail('empty domain');
  if (domainText.includes('@')) return fail('more than one "@" (the local part must be quoted)');
  const d = checkDomainOrLiteral(domainText);
  if (!d.ok) return d;

  const address = { local, domain: d.domain };
  if (Math.max(octets(rest), octets(formatAddress(address))) > MAX_ADDRESS_OCTETS) {
    return fail(`address longer than ${MAX_ADDRESS_OCTETS} octets`);
  }
  return { ok: true, address };
}

/**
 * Reads the Local-part at the start of `s`, which must be followed by "@". `wire` is the text
 * as given (quotes included), `local` the unquoted value.
 */
function parseLocalPart(s: string): { ok: true; local: string; wire: string } | { ok: false; reason: string } {
  if (s.startsWith('"')) {
    // Quoted-string = DQUOTE *QcontentSMTP DQUOTE (RFC 5321 §4.1.2, RFC 6531 §3.3).
    let local = '';
    let i = 1;
    for (;;) {
      const cp = s.codePointAt(i);
      if (cp === undefined) return fail('unterminated quoted local part');
      const ch = String.fromCodePoint(cp);
      if (ch === '"') break;
      if (ch === '\\') {
        // quoted-pairSMTP = %d92 %d32-126
        const next = s.charCodeAt(i + 1);
        if (!(next >= 32 && next <= 126)) return fail('bad backslash escape in quoted local part');
        local += s[i + 1];
        i += 2;
        continue;
      }
      // qtextSMTP = %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii (controls are gone already)
      local += ch;
      i += ch.length;
    }
    const wire = s.slice(0, i + 1);
    if (s[i + 1] !== '@') return fail(s.length > i + 1 ? 'text after the quoted local part' : 'no "@" in address');
    if (local === '') return fail('empty local part');
    return { ok: true, local, wire };
  }

  const at = s.indexOf('@');
  if (at < 0) return fail('no "@" in address');
  const wire = s.slice(0, at);
  if (wire === '') return fail('empty local part');
  if (!DOT_STRING.test(wire)) {
    if (wire.startsWith('.')) return fail('local part starts with a dot');
    if (wire.endsWith('.')) return fail('local part ends with a dot');
    if (wire.includes('..')) return fail('two dots in a row in local part');
    const bad = [...wire].find((c) => c !== '.' && !ATEXT_CHAR.test(c)) ?? '?';
    return fail(`character ${JSON.stringify(bad)} in local part must be quoted`);
  }
  return { ok: true, local: wire, wire };
}

/** Formats an address for SMTP, quoting the local part only when it is not a Dot-string. */
export function formatAddress(a: Address): string {
  if (DOT_STRING.test(a.local)) return `${a.local}@${a.domain}`;
  return `"${a.local.replace(/["\\]/g, '\\$&')}"@${a.domain}`;
}

/**
 * A domain name as we store and compare it: IDNA U-labels converted to A-labels (UTS #46 via
 * the WHATWG URL rules), lower case, one trailing dot removed. Null when it is not a valid
 * host name (including address literals: they are not names).
 */
export function normaliseDomain(d: string): string | null {
  if (typeof d !== 'string' || d.startsWith('[')) return null;
  const r = checkDomain(d);
  return r.ok ? r.domain : null;
}

function checkDomainOrLiteral(d: string): { ok: true; domain: string } | { ok: false; reason: string } {
  return d.startsWith('[') ? checkLiteral(d) : checkDomain(d);
}

function checkDomain(input: string): { ok: true; domain: string } | { ok: false; reason: string } {
  const d = input.endsWith('.') && input.length > 1 ? input.slice(0, -1) : input;
  if (d === '') return fail('empty domain');
  if (octets(d) > MAX_INPUT_OCTETS) return fail(`domain longer than ${MAX_DOMAIN_OCTETS} octets`);
  // RFC 5321 §4.1.2: letters, digits and hyphen only (plus U-labels, RFC 6531). Checked before
  // domainToASCII, which parses URL hosts: it would cut "a/b" to "a" and turn "0x7f.1" into
  // "127.0.0.1".
  for (const ch of d) {
    if (ch < '\u0080' && !/[A-Za-z0-9.-]/.test(ch)) return fail(`character ${JSON.stringify(ch)} in domain`);
    if (CONTROL.test(ch)) return fail('control character in domain');
  }
  const ascii = domainToASCII(d);
  if (ascii === '') return fail(/^\p{ASCII}*$/u.test(d) ? 'invalid domain' : 'invalid internationalised domain name');
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label === '') return fail('empty label in domain');
    if (label.length > MAX_LABEL_OCTETS) return fail(`domain label longer than ${MAX_LABEL_OCTETS} octets`);
    if (!LDH_LABEL.test(label)) return fail('domain label starts or ends with a hyphen');
    if (label.startsWith('xn--') && !isValidALabel(label)) return fail('invalid internationalised domain name');
  }
  // A top-level domain is never all digits (RFC 3696 §2): "1.2.3.4" must be written [1.2.3.4].
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return fail('numeric top-level domain (write an IP address as [192.0.2.1])');
  if (ascii.length > MAX_DOMAIN_OCTETS) return fail(`domain longer than ${MAX_DOMAIN_OCTETS} octets`);
  return { ok: true, domain: ascii };
}

/**
 * An "xn--" label given in ASCII must be a real A-label (RFC 5890 §2.3.2.1): Punycode that
 * decodes to a valid non-ASCII U-label which encodes back to the same label. domainToASCII
 * passes such labels through unchecked ("xn--zz" stays), so we check the round trip.
 */
function isValidALabel(label: string): boolean {
  const u = domainToUnicode(label);
  return u !== '' && u !== label && /\P{ASCII}/u.test(u) && domainToASCII(u) === label;
}

/** RFC 5321 §4.1.3 address literals: [IPv4] and [IPv6:...]; other tags are not registered. */
function checkLiteral(d: string): { ok: true; domain: string } | { ok: false; reason: string } {
  if (!d.endsWith(']')) return fail('unterminated address literal');
  if (octets(d) > MAX_DOMAIN_OCTETS) return fail(`domain longer than ${MAX_DOMAIN_OCTETS} octets`);
  const inner = d.slice(1, -1);
  if (/^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/.test(inner)) {
    if (inner.split('.').every((n) => Number(n) <= 255)) return { ok: true, domain: d };
    return fail('bad IPv4 address literal');
  }
  if (/^IPv6:/i.test(inner)) {
    const ip = inner.slice(5);
    if (/^[0-9A-Fa-f:.]+$/.test(ip) && isIPv6(ip)) return { ok: true, domain: d };
    return fail('bad IPv6 address literal');
  }
  if (/^[A-Za-z0-9-]*[A-Za-z0-9]:/.test(inner)) return fail('unsupported address literal tag');
  return fail('bad address literal');
}

/**
 * The directory key for an address: local part in Unicode NFC and lower case (mailboxes are
 * case-insensitive here, as in Postfix and Dovecot virtual users; NFC so a client sending
 * decomposed UTF-8 finds the same user), "@", the domain.
 */
export function lookupKey(a: Address): string {
  return `${a.local.normalize('NFC').toLowerCase()}@${a.domain.toLowerCase()}`;
}

/**
 * Splits "user+tag" into base "user" and detail "tag" (RFC 5233 subaddress). Each character of
 * `separator` is a delimiter, as with Postfix recipient_delimiter and Dovecot
 * recipient_delimiter ("+-" splits at the first "+" or "-"). The split is at the first
 * delimiter; the detail keeps any later ones ("a+b+c" → "a", "b+c") and may be empty ("a+" →
 * "a", ""). No split when `separator` is empty, when there is no delimiter, or when the local
 * part starts with one ("+tag" stays whole: the base must not be empty).
 */
export function splitSubaddress(local: string, separator: string): { base: string; detail: string | null } {
  if (separator === '') return { base: local, detail: null };
  const delimiters = new Set(separator);
  let i = 0;
  for (const ch of local) {
    if (delimiters.has(ch)) {
      if (i === 0) break;
      return { base: local.slice(0, i), detail: local.slice(i + ch.length) };
    }
    i += ch.length;
  }
  return { base: local, detail: null };
}
