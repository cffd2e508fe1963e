// DKIM-Signature creation, relaxed/relaxed (RFC 6376 §3.4.2, §3.4.4, §3.5, §3.7), rsa-sha256
// and ed25519-sha256 (RFC 8463 §3). Ours rather than mailauth's dkimSign because that one
// lists in h= only the fields a message has, and we oversign (RFC 6376 §8.15): each field of
// SIGNED_FIELDS is named once more than it occurs, so nobody can add a second From, Subject or
// To below the signature without breaking it. signer.ts checks every signature made here
// with mailauth's verifier before the message leaves, and falls back to mailauth's dkimSign
// should they ever disagree.
import { createHash, sign, type KeyObject } from 'node:crypto';

/** Fields a reader relies on; each is signed in every instance and oversigned. */
export const SIGNED_FIELDS = [
  'from', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'to', 'cc',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-id', 'content-description',
  'in-reply-to', 'references',
  'list-id', 'list-help', 'list-unsubscribe', 'list-unsubscribe-post', 'list-subscribe', 'list-post', 'list-owner', 'list-archive',
] as const;

export type SignKey = { domain: string; selector: string; algorithm: 'rsa' | 'ed25519'; privateKey: KeyObject };

type Field = { name: string; raw: string };

/** The header fields (each with its continuation lines, without the final CRLF) and where the body starts. */
export function splitMessage(message: Buffer): { fields: Field[]; body: Buffer } {
  const sep = message.indexOf('\r\n\r\n');
  const headerEnd = sep === -1 ? message.length : sep + 2;
  const text = message.toString('latin1', 0, headerEnd);
  const fields: Field[] = [];
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && fields.length > 0) {
      fields[fields.length - 1].raw += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    fields.push({ name: (colon === -1 ? line : line.slice(0, colon)).trim().toLowerCase(), raw: line });
  }
  return { fields, body: sep === -1 ? Buffer.alloc(0) : message.subarray(sep + 4) };
}

/** RFC 6376 §3.4.2: lower-case name, unfolded, runs of WSP as one SP, none around the colon or at the end. */
export function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).replace(/[ \t]+$/, '').toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return `${name}:${value}`;
}

/** RFC 6376 §3.4.4: WSP runs as one SP, none at line ends, no empty lines at the end, CRLF-terminated. */
export function relaxedBody(body: Buffer): Buffer {
  const lines = body.toString('latin1').split('\r\n');
  const out = lines.map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return Buffer.from(out.length === 0 ? '' : out.join('\r\n') + '\r\n', 'latin1');
}

/** One DKIM-Signature field (with its CRLF) per key, for the message as it is now. */
export function dkimSignatures(message: Buffer, keys: SignKey[], now = new Date()): string {
  const { fields, body } = splitMessage(message);
  const bh = createHash('sha256').update(relaxedBody(body)).digest('base64');
  // RFC 6376 §5.4.2: repeated names take the instances from the bottom up.
  const names: string[] = [];
  const signed: Field[] = [];
  for (const name of SIGNED_FIELDS) {
    const present = fields.filter((f) => f.name === name).reverse();
    for (const f of present) {
      names.push(name);
      signed.push(f);
    }
    names.push(name); // the oversigning entry: stands for a field that must not be added
  }
  const headerHash = signed.map((f) => relaxedHeader(f.raw) + '\r\n').join('');
  const t = Math.floor(now.getTime() / 1000);
  let out = '';
  for (const k of keys) {
    const a = k.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
    const unsignedField =
      `DKIM-Signature: v=1; a=${a}; c=relaxed/relaxed; d=${k.domain}; s=${k.selector}; t=${t};\r\n` +
      `\th=${foldList(names)};\r\n` +
      `\tbh=${bh};\r\n` +
      '\tb=';
    const data = Buffer.from(headerHash + relaxedHeader(unsignedField), 'latin1');
    const b = (k.algorithm === 'rsa' ? sign('sha256', data, k.privateKey) : sign(null, createHash('sha256').update(data).digest(), k.privateKey)).toString('base64');
    out += unsignedField + (b.match(/.{1,72}/g) ?? []).join('\r\n\t') + '\r\n';
  }
  return out;
}

/** "a:b:c…" folded before it passes about 70 columns (FWS is allowed around the colons of h=). */
function foldList(names: string[]): string {
  let line = 3;
  let s = '';
  for (const [i, n] of names.entries()) {
    const piece = i === 0 ? n : `:${n}`;
    if (line + piece.length > 70 && i > 0) {
      s += ':\r\n\t' + n;
      line = 1 + n.length;
    } else {
      s += piece;
      line += piece.length;
    }
  }
  return s;
}
