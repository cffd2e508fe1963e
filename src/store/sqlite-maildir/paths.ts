// Where an account's Maildir++ lives and how folder names map to directories:
// data/mail/<domain>/<local>/ is INBOX; "Sent" is .Sent/, "A/B" is .A.B/ (Dovecot's layout).
import path from 'node:path';
import { decodeMutf7, encodeMutf7 } from '../../imap/mutf7.ts';

export const SUBDIRS = ['cur', 'new', 'tmp'] as const;

export function accountRoot(mailRoot: string, a: { local: string; domain: string }): string {
  const root = path.join(mailRoot, a.domain, a.local);
  // Account names are validated when created; this guards the invariant anyway.
  if (path.relative(mailRoot, root).startsWith('..') || a.local.includes('/') || a.domain.includes('/')) {
    throw new Error(`account path escapes the mail root: ${a.local}@${a.domain}`);
  }
  return root;
}

/** The folder directory relative to the account root ('' for INBOX); each level in modified
 *  UTF-7, as Dovecot writes it, so the directory names stay ASCII. */
export function folderDir(name: string): string {
  if (name.toUpperCase() === 'INBOX') return '';
  return '.' + name.split('/').map(encodeMutf7).join('.');
}

/** The mailbox name of a folder directory (".A.B" → "A/B"), or null when it is not one. */
export function folderName(dir: string): string | null {
  if (!dir.startsWith('.') || dir === '.' || dir === '..') return null;
  const parts = dir.slice(1).split('.').map(decodeMutf7);
  if (parts.some((p) => p === undefined || p === '')) return null;
  return parts.join('/');
}

/** The Maildir base name of a file: everything before the ":2," info part. */
export function baseOf(fileName: string): string {
  const colon = fileName.indexOf(':');
  return colon < 0 ? fileName : fileName.slice(0, colon);
}
