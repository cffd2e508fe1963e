// LIST patterns (RFC 9051 §6.3.9): "*" matches anything, "%" anything but the delimiter.
// INBOX matches case-insensitively.

export function patternMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = reference + pattern;
  const body = [...full].map((ch) => (ch === '*' ? '.*' : ch === '%' ? '[^/]*' : ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${body}$`, 'u');
  const inboxRe = new RegExp(`^${body}$`, 'iu');
  return (name) => re.test(name) || ((name === 'INBOX' || name.startsWith('INBOX/')) && inboxRe.test(name));
}
