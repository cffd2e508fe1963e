// Keywords in Maildir file names, as Dovecot keeps them: a folder's `dovecot-keywords` file
// numbers its keywords ("0 $Forwarded", "1 Work", one a line), and a file name carries keyword
// n as the letter 'a' + n after the system flags (":2,FSab"). 26 letters: a keyword past them
// lives in the index only, as in Dovecot. Dovecot, mutt and our own adoption read them back.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/write-file-atomic.ts';

export const KEYWORDS_FILE = 'dovecot-keywords';
const LETTERS = 26;
const A = 0x61;

/** Keyword names by number, as the folder's file has them (undefined: a free number). */
function readNames(folder: string): (string | undefined)[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(folder, KEYWORDS_FILE), 'utf8');
  } catch {
    return [];
  }
  const names: (string | undefined)[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\S+)$/.exec(line.trimEnd());
    if (m && Number(m[1]) < LETTERS) names[Number(m[1])] = m[2];
  }
  return names;
}

function writeNames(folder: string, names: readonly (string | undefined)[]): void {
  writeFileAtomic(path.join(folder, KEYWORDS_FILE), names.map((n, i) => (n === undefined ? '' : `${i} ${n}\n`)).join(''));
}

/**
 * The letters of `keywords` in `folder` (absolute), sorted; a keyword without a number gets
 * the next free one, written to the folder's file first. Keywords compare without case
 * (RFC 9051 §2.3.2). Past 26 keywords the rest get no letter.
 */
export function keywordLetters(folder: string, keywords: readonly string[]): string {
  if (keywords.length === 0) return '';
  const names = readNames(folder);
  const numberOf = (k: string): number => names.findIndex((n) => n !== undefined && n.toLowerCase() === k.toLowerCase());
  let added = false;
  const out: number[] = [];
  for (const k of keywords) {
    let n = numberOf(k);
    if (n < 0) {
      n = names.findIndex((x) => x === undefined);
      if (n < 0) n = names.length;
      if (n >= LETTERS) continue;
      names[n] = k;
      added = true;
    }
    out.push(n);
  }
  if (added) writeNames(folder, names);
  return String.fromCharCode(...out.sort((a, b) => a - b).map((n) => A + n));
}

/** The keywords that have a letter in `folder`. */
export function keywordNames(folder: string): string[] {
  return readNames(folder).filter((n): n is string => n !== undefined);
}

/** The keywords a file name's letters stand for in `folder` (letters without a name are dropped). */
export function keywordsOfLetters(folder: string, letters: string): string[] {
  if (letters === '') return [];
  const names = readNames(folder);
  const out: string[] = [];
  for (const ch of letters) {
    const name = names[ch.charCodeAt(0) - A];
    if (name !== undefined && !out.includes(name)) out.push(name);
  }
  return out;
}
