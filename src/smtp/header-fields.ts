// Removing whole header fields (with their continuation lines) from a message, for the fields
// a server must not pass on: Bcc on submission (RFC 5322 §3.6.3; Postfix's cleanup does the
// same), and Authentication-Results that claim our own authserv-id (RFC 8601 §5).
import { headerText } from '../mime/bytes.ts';
import { scanHeader } from '../mime/header-block.ts';

/** The message without the header fields `drop` picks (name lower case; the value, as written,
 *  is decoded only for the fields whose name makes `drop` ask for it). */
export function removeFields(message: Buffer, drop: (name: string, value: () => string) => boolean): Buffer {
  const block = scanHeader(message, 0, message.length);
  const cut: [number, number][] = [];
  for (const f of block.fields) {
    if (!drop(f.name, () => headerText(message, f.valueStart, f.valueEnd))) continue;
    const start = message.lastIndexOf(0x0a, f.valueStart - 1) + 1;
    const nl = message.indexOf(0x0a, f.valueEnd);
    cut.push([start, nl === -1 ? message.length : nl + 1]);
  }
  if (cut.length === 0) return message;
  const parts: Buffer[] = [];
  let pos = 0;
  for (const [s, e] of cut) {
    parts.push(message.subarray(pos, s));
    pos = e;
  }
  parts.push(message.subarray(pos));
  return Buffer.concat(parts);
}

/** RFC 8601 §2.2: authserv-id [CFWS authres-version] ";" … — the id, lower case. */
export function authservIdOf(value: string): string {
  const head = value.split(';', 1)[0].replace(/\([^)]*\)/g, ' ').trim();
  return (head.split(/\s+/, 1)[0] ?? '').replace(/^"|"$/g, '').toLowerCase();
}

/** A field that claims to be our own Authentication-Results: only we may write those. */
export const claimsOurAuthResults = (authservId: string) => (name: string, value: () => string) =>
  name === 'authentication-results' && authservIdOf(value()) === authservId.toLowerCase();
