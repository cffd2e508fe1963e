import { isNotFound } from '../../dns/resolver.ts';
import type { Finding, Lookup } from './types.ts';

/** Runs a lookup; a temporary failure (SERVFAIL, timeout) is a finding, never a crash. */
export async function lookup<T>(check: string, name: string, what: string, p: Promise<T[]>): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (isNotFound(e)) return { ok: true, value: [] };
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    const finding: Finding = { check, name, status: 'error', message: `could not look up ${what} of ${name}: ${code}`, fix: 'check that the resolver in [dns] servers (or --resolver) answers, then run the check again' };
    return { ok: false, finding };
  }
}

/** TXT records as whole strings (character-strings joined, RFC 7208 §3.3). */
export const joinTxt = (records: string[][]): string[] => records.map((r) => r.join(''));

export const sameName = (a: string, b: string): boolean => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');

/** "tag=value; …" lists (DKIM RFC 6376 §3.2, DMARC RFC 7489 §6.4): tags lower-cased, values trimmed. */
export function tagList(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of s.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    if (k && !m.has(k)) m.set(k, part.slice(eq + 1).trim());
  }
  return m;
}
