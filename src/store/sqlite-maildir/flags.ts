// Flags as the index keeps them: system flags as bits (schema.ts FLAG_BITS), keywords as
// NULL or ' kw1 kw2 ' (leading and trailing space, so LIKE '% kw %' finds one).
import { FLAG_BITS } from './schema.ts';

const SYSTEM = Object.entries(FLAG_BITS) as [string, number][];
const BY_LOWER = new Map(SYSTEM.map(([name, bit]) => [name.toLowerCase(), bit]));

export type StoredFlags = { bits: number; keywords: string[] };

/** Splits client flags into bits and keywords; \Recent and unknown \-flags are dropped. */
export function parseFlags(flags: readonly string[]): StoredFlags {
  let bits = 0;
  const keywords: string[] = [];
  for (const f of flags) {
    if (f.startsWith('\\')) bits |= BY_LOWER.get(f.toLowerCase()) ?? 0;
    else if (!keywords.some((k) => k.toLowerCase() === f.toLowerCase())) keywords.push(f);
  }
  return { bits, keywords };
}

export function flagList(bits: number, keywords: string | null): string[] {
  const out: string[] = [];
  for (const [name, bit] of SYSTEM) if (bits & bit) out.push(name);
  if (keywords) for (const k of keywords.split(' ')) if (k) out.push(k);
  return out;
}

export const keywordsColumn = (keywords: readonly string[]): string | null => (keywords.length === 0 ? null : ` ${keywords.join(' ')} `);

export const keywordList = (column: string | null): string[] => (column ? column.split(' ').filter((k) => k !== '') : []);

/** Applies a STORE action; keywords compare case-insensitively (RFC 9051 §2.3.2). */
export function applyFlags(cur: StoredFlags, action: 'set' | 'add' | 'remove', change: StoredFlags): StoredFlags {
  const has = (list: string[], k: string): boolean => list.some((x) => x.toLowerCase() === k.toLowerCase());
  if (action === 'set') return { bits: change.bits, keywords: [...change.keywords] };
  if (action === 'add') return { bits: cur.bits | change.bits, keywords: [...cur.keywords, ...change.keywords.filter((k) => !has(cur.keywords, k))] };
  return { bits: cur.bits & ~change.bits, keywords: cur.keywords.filter((k) => !has(change.keywords, k)) };
}

/** Maildir info letters for a file name (":2,FRS"), sorted as the spec requires. */
export function infoLetters(bits: number): string {
  let s = '';
  if (bits & FLAG_BITS['\\Draft']) s += 'D';
  if (bits & FLAG_BITS['\\Flagged']) s += 'F';
  if (bits & FLAG_BITS['\\Answered']) s += 'R';
  if (bits & FLAG_BITS['\\Seen']) s += 'S';
  if (bits & FLAG_BITS['\\Deleted']) s += 'T';
  return s;
}
