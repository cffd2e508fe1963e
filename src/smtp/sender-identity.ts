// Whose addresses a submitting user may send as: the account's own address, its subaddresses,
// and aliases that resolve to it — never another user's, and not addresses that only reach the
// account through a catch-all (that would let the catch-all's owner impersonate every
// unassigned name of the domain). Checked for MAIL FROM and for every address in every From
// and Sender field of the message (RFC 5322 §3.6.2), so a second From field cannot sneak by;
// likewise Resent-From and Resent-Sender (§3.6.6: the resender is the submitting user).
import { lookupKey, parseAddress, splitSubaddress } from '../core/address.ts';
import type { Directory } from '../directory/directory.ts';
import { resolveRecipient } from '../directory/resolve.ts';
import { headerText } from '../mime/bytes.ts';
import { scanHeader, unfold } from '../mime/header-block.ts';
import { parseAddressList, MISSING_DOMAIN, MISSING_MAILBOX } from '../mime/address.ts';

export type IdentityOptions = { subaddressSeparator: string; maxAliasDepth: number };

/** Who is logged in: the account's id and address (nothing else is kept in the session). */
export type SessionAccount = { id: number; address: string };

export async function ownsAddress(dir: Directory, account: SessionAccount, address: string, opts: IdentityOptions): Promise<boolean> {
  const p = parseAddress(address);
  if (!p.ok) return false;
  const key = lookupKey(p.address);
  if (key === account.address) return true;
  const at = key.lastIndexOf('@');
  const { base } = splitSubaddress(key.slice(0, at), opts.subaddressSeparator);
  const candidates = [key, `${base}@${key.slice(at + 1)}`];
  // Only names the directory lists itself (account or alias), so the catch-all does not count.
  let listed = false;
  for (const c of candidates) {
    if ((await dir.getAccount(c)) !== null || (await dir.aliasTargets(c)).length > 0) {
      listed = true;
      break;
    }
  }
  if (!listed) return false;
  const r = await resolveRecipient(dir, key, { subaddressSeparator: opts.subaddressSeparator, maxDepth: opts.maxAliasDepth });
  return r.kind === 'found' && r.local.some((t) => t.account.id === account.id);
}

export type Authors = { ok: true; addresses: string[]; hasFrom: boolean } | { ok: false; reason: string };

const AUTHOR_FIELDS = new Set(['from', 'sender', 'resent-from', 'resent-sender']);

/**
 * True when something other than a separator follows an angle address ("Ann <ann@x> <bob@y>")
 * or an angle address opens inside another. The shared address parser, tolerant like a mail
 * reader, drops such junk; a mail program may show it instead, so an author field with it is
 * refused rather than guessed at (test/e2e/attacks-submission.test.ts).
 */
export function junkAroundAngles(value: string): boolean {
  let inAngle = false;
  let afterAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') {
      if (afterAngle) return true;
      for (i++; i < value.length && value[i] !== '"'; i++) if (value[i] === '\\') i++;
    } else if (c === '(') {
      let depth = 1;
      for (i++; i < value.length && depth > 0; i++) {
        if (value[i] === '\\') i++;
        else if (value[i] === '(') depth++;
        else if (value[i] === ')') depth--;
      }
      i--;
    } else if (c === '<') {
      if (inAngle || afterAngle) return true;
      inAngle = true;
    } else if (c === '>') {
      if (!inAngle) return true;
      inAngle = false;
      afterAngle = true;
    } else if (c === ',' || c === ';') {
      afterAngle = false;
    } else if (afterAngle && c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') {
      return true;
    }
  }
  return inAngle;
}

/** Every address of every From, Sender, Resent-From and Resent-Sender field in the message header. */
export function authorAddresses(message: Buffer): Authors {
  const block = scanHeader(message, 0, message.length);
  const addresses: string[] = [];
  let hasFrom = false;
  for (const f of block.fields) {
    if (!AUTHOR_FIELDS.has(f.name)) continue;
    if (f.name === 'from') hasFrom = true;
    const value = unfold(headerText(message, f.valueStart, f.valueEnd));
    if (junkAroundAngles(value)) return { ok: false, reason: `${f.name} field has text outside its angle addresses` };
    const list = parseAddressList(value);
    if (list.length === 0) return { ok: false, reason: `empty ${f.name} field` };
    for (const a of list) {
      // Group syntax, a missing part or the null path: not a mailbox the user can own.
      if (!a.mailbox || !a.host || a.mailbox === MISSING_MAILBOX || a.host === MISSING_DOMAIN) {
        return { ok: false, reason: `${f.name} field is not a list of mailboxes` };
      }
      addresses.push(`${a.mailbox}@${a.host}`);
    }
  }
  return { ok: true, addresses, hasFrom };
}
