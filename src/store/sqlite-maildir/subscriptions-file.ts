// The `subscriptions` file of a Maildir++ root, as Dovecot 2.3 writes and reads it: "V\t2",
// a blank line, then one name a line, its levels in modified UTF-7 joined by TAB (so the
// file does not depend on the hierarchy separator). The index's list is the truth; the file
// is rewritten after each change so Dovecot sees the same list, and read when folders are
// adopted from a Maildir another server wrote (also its older format: one name a line, "."
// or "/" between levels).
import fs from 'node:fs';
import path from 'node:path';
import { decodeMutf7, encodeMutf7 } from '../../imap/mutf7.ts';
import { writeFileAtomic } from '../../core/write-file-atomic.ts';

export const SUBSCRIPTIONS_FILE = 'subscriptions';

export function writeSubscriptions(root: string, names: readonly string[]): void {
  const lines = names.map((n) => n.split('/').map(encodeMutf7).join('\t') + '\n');
  writeFileAtomic(path.join(root, SUBSCRIPTIONS_FILE), `V\t2\n\n${lines.join('')}`);
}

/** The names the file lists (null when there is no file). */
export function readSubscriptions(root: string): Set<string> | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, SUBSCRIPTIONS_FILE), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const v2 = lines[0] === 'V\t2';
  const out = new Set<string>();
  for (const line of v2 ? lines.slice(2) : lines) {
    if (line === '') continue;
    const levels = (v2 ? line.split('\t') : line.split(/[./]/)).map((l) => decodeMutf7(l) ?? l);
    out.add(levels.join('/'));
  }
  return out;
}
