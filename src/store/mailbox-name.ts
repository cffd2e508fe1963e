// Which mailbox names may exist. Checked on the decoded (Unicode) name, after any modified
// UTF-7 decoding, so no spelling can reach outside the account's Maildir (issue 4 "Safety").
// Maildir++ keeps "A/B" in the directory ".A.B", so "." is refused inside names, as Dovecot
// does with its default settings; "/" is the hierarchy delimiter.

export const DELIMITER = '/';
const MAX_NAME_CHARS = 255;
const MAX_DEPTH = 16;
const RESERVED = new Set(['tmp', 'cur', 'new']);

/** Why `name` cannot be a mailbox, or null when it can. INBOX is always valid. */
export function mailboxNameProblem(name: string): string | null {
  if (name === 'INBOX') return null;
  if (name.length === 0) return 'Mailbox name is empty';
  if (name.length > MAX_NAME_CHARS) return 'Mailbox name is too long';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\u0080-\u009f]/.test(name)) return 'Mailbox name contains control characters';
  if (/[*%]/.test(name)) return 'Mailbox name contains a wildcard';
  if (name.includes('~')) return 'Character not allowed in mailbox name: ~';
  if (name.includes('.')) return 'Character not allowed in mailbox name: .';
  if (name.startsWith(DELIMITER) || name.endsWith(DELIMITER)) return 'Mailbox name may not start or end with the hierarchy delimiter';
  const parts = name.split(DELIMITER);
  if (parts.some((p) => p === '')) return 'Mailbox name contains an empty level';
  if (parts.length > MAX_DEPTH) return 'Mailbox hierarchy is too deep';
  if (parts.some((p) => RESERVED.has(p.toLowerCase()))) return 'Mailbox name is reserved';
  if (parts.some((p) => p.trim() !== p)) return 'Mailbox name levels may not start or end with spaces';
  return null;
}

/** The parent names of "A/B/C": ["A", "A/B"]. */
export function parentsOf(name: string): string[] {
  const parts = name.split(DELIMITER);
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join(DELIMITER));
}

/** Does `name` lie below `ancestor` in the hierarchy? */
export const isInferior = (name: string, ancestor: string): boolean => name.startsWith(ancestor + DELIMITER);
