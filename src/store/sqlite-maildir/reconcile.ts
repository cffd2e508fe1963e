// Brings the index in line with the Maildir after a crash, a restore or another tool's
// changes: files without a row are adopted (flags and keywords taken from the ":2," info
// part, keyword letters through the folder's dovecot-keywords), rows without a file are
// expunged, files another tool moved from new/ to cur/ are followed.
import { readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../../db/sqlite.ts';
import { transaction } from '../../db/sqlite.ts';
import { parseMessage } from '../../mime/parse-message.ts';
import type { IndexWriter, MailboxRow } from './index-writer.ts';
import type { SearchIndex } from './search-index.ts';
import { searchDocument } from './search-document.ts';
import { baseOf, folderName, SUBDIRS } from './paths.ts';
import { FLAG_BITS } from './schema.ts';
import { keywordList, keywordsColumn } from './flags.ts';
import { keywordNames, keywordsOfLetters } from './maildir-keywords.ts';
import { folderNamer } from './maildir-names.ts';
import { withCrlf } from '../../mime/line-endings.ts';
import { maildirBaseName, type DurableFiles } from './durable-fs.ts';

/** Maildir++ folders under an account root: ".Sent" → "Sent", ".A.B" → "A/B". */
export async function discoverFolders(root: string): Promise<{ name: string; dir: string }[]> {
  const found: { name: string; dir: string }[] = [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith('.') || e.name === '.' || e.name === '..') continue;
    const ok = await stat(path.join(root, e.name, 'cur')).then((s) => s.isDirectory(), () => false);
    const name = folderName(e.name);
    if (ok && name !== null) found.push({ name, dir: e.name });
  }
  return found;
}

const ADOPT_BATCH = 200;

/**
 * A file torn by a crash between its rename and its sync (see placeDurably): its size differs
 * from the ",S=" in its name, or it starts with NUL bytes where a header must be. Such a
 * message was never acknowledged, so the sender still has it; it is left out of the index.
 */
export function isTorn(fileName: string, data: Buffer): boolean {
  const m = /,S=(\d+)/.exec(fileName);
  if (m && Number(m[1]) !== data.length) return true;
  return data.length > 0 && data[0] === 0;
}

const INFO_FLAGS: Record<string, number> = {
  S: FLAG_BITS['\\Seen'],
  R: FLAG_BITS['\\Answered'],
  F: FLAG_BITS['\\Flagged'],
  T: FLAG_BITS['\\Deleted'],
  D: FLAG_BITS['\\Draft'],
};

export function flagsFromInfo(fileName: string): number {
  const i = fileName.indexOf(':2,');
  if (i < 0) return 0;
  let bits = 0;
  for (const ch of fileName.slice(i + 3)) bits |= INFO_FLAGS[ch] ?? 0;
  return bits;
}

/** The unique part of a Maildir name: before its first "," field (",S=") and its info part. */
const uniqueOf = (name: string): string => baseOf(path.basename(name)).split(',')[0];

/**
 * An adopted file with bare LFs (Dovecot stores mail with LF by default) is stored again with
 * CRLF, as everything Mailhaven stores, under the same unique name with its new ",S=" and the
 * same info part and mtime; the old file is removed once the new one is synced. A crash
 * between leaves both: the next adoption keeps the converted one (see reconcileMailbox).
 */
async function storedWithCrlf(folder: string, file: string, data: Buffer, mtime: number, files: DurableFiles): Promise<{ file: string; data: Buffer }> {
  const fixed = withCrlf(data);
  if (fixed === data) return { file, data };
  const name = path.basename(file);
  const info = name.indexOf(':2,') < 0 ? '' : name.slice(name.indexOf(':2,'));
  const converted = `${path.dirname(file)}/${uniqueOf(name)},S=${fixed.length}${info}`;
  await files.place(path.join(folder, 'tmp', maildirBaseName()), path.join(folder, converted), [fixed]);
  await utimes(path.join(folder, converted), mtime / 1000, mtime / 1000);
  await unlink(path.join(folder, file));
  return { file: converted, data: fixed };
}

/** A name's keywords plus those of the index that have no letter (past 26), which no name shows. */
function withUnlettered(fromName: string | null, indexed: string | null, folder: string): string | null {
  const lettered = new Set(keywordNames(folder).map((k) => k.toLowerCase()));
  const kept = keywordList(indexed).filter((k) => !lettered.has(k.toLowerCase()));
  return kept.length === 0 ? fromName : keywordsColumn([...keywordList(fromName), ...kept]);
}

const sameKeywords = (a: string | null, b: string | null): boolean => {
  const norm = (c: string | null): string => keywordList(c).map((k) => k.toLowerCase()).sort().join(' ');
  return norm(a) === norm(b);
};

/**
 * The flags a file renamed by another program (mutt marking it read, Dovecot) now has, when
 * they differ from the index's; null when they do not. Our own renames carry the index's
 * flags, so for them this is null.
 */
export function renamedFlags(
  folder: string,
  name: string,
  row: { flags: number; keywords: string | null },
  keywords = (letters: string): string | null => keywordsColumn(keywordsOfLetters(folder, letters)),
): { flags: number; keywords: string | null } | null {
  const flags = flagsFromInfo(name);
  const kw = withUnlettered(keywords(keywordLettersOf(name)), row.keywords, folder);
  return flags !== row.flags || !sameKeywords(kw, row.keywords) ? { flags, keywords: kw } : null;
}

/** The keyword letters (a–z) of a file name's info part. */
export function keywordLettersOf(fileName: string): string {
  const i = fileName.indexOf(':2,');
  return i < 0 ? '' : fileName.slice(i + 3).replace(/[^a-z]/g, '');
}

export async function reconcileMailbox(
  index: IndexWriter,
  db: Db,
  root: string,
  mb: MailboxRow,
  minAgeMs: number,
  search: SearchIndex,
  files: DurableFiles,
): Promise<{ adopted: number; dropped: number; adoptedUids: number[]; torn: string[]; unnamed: number[] }> {
  const onDisk = new Map<string, string>();
  for (const sub of SUBDIRS) {
    if (sub === 'tmp') continue;
    const names = await readdir(path.join(root, mb.dir, sub)).catch(() => [] as string[]);
    for (const n of names) if (!n.startsWith('.')) onDisk.set(baseOf(n), `${sub}/${n}`);
  }
  const rows = index.filesOf(mb.id);
  const folder = path.join(root, mb.dir);
  const keywordsOf = new Map<string, string | null>(); // by letters: the folder's file read once each
  const keywords = (letters: string): string | null => {
    if (!keywordsOf.has(letters)) keywordsOf.set(letters, keywordsColumn(keywordsOfLetters(folder, letters)));
    return keywordsOf.get(letters)!;
  };
  const gone: typeof rows = [];
  const moved: { id: number; file: string }[] = [];
  const reflagged: { uid: number; flags: number; keywords: string | null }[] = [];
  // Names that do not show the index's flags (written before names followed flags, or a
  // rename lost in a crash): renamed in the background once the store runs.
  const unnamed: number[] = [];
  const names = folderNamer(folder);
  for (const r of rows) {
    const base = baseOf(path.basename(r.file));
    const now = onDisk.get(base);
    if (now === undefined) gone.push(r);
    else if (now !== r.file) {
      moved.push({ id: r.id, file: now });
      const changed = renamedFlags(folder, now, r, keywords);
      if (changed !== null) reflagged.push({ uid: r.uid, ...changed });
    } else if (names.name(r.file, r.flags, r.keywords) !== r.file) {
      unnamed.push(r.uid);
    }
    onDisk.delete(base);
  }
  transaction(db, () => {
    index.removeMessages(mb.id, gone);
    for (const m of moved) index.updateFile(m.id, m.file);
    index.setFlagsOf(mb.id, reflagged);
  });
  search.remove(gone.map((g) => g.id));
  // What is left on disk has no row: adopt it oldest first, so UIDs follow arrival, in
  // batches so a mailbox imported from elsewhere never has to fit in memory at once.
  // A conversion to CRLF cut short by a crash (storedWithCrlf) leaves two files of one unique
  // name: the converted one (no bare LF) is kept.
  const byUnique = new Map<string, string[]>();
  for (const file of onDisk.values()) byUnique.set(uniqueOf(file), [...(byUnique.get(uniqueOf(file)) ?? []), file]);
  for (const files of byUnique.values()) {
    if (files.length < 2) continue;
    const datas = await Promise.all(files.map((f) => readFile(path.join(root, mb.dir, f)).catch(() => null)));
    const keep = files.findIndex((_, i) => datas[i] !== null && withCrlf(datas[i]) === datas[i] && !isTorn(files[i], datas[i]));
    if (keep < 0) continue;
    for (const [i, f] of files.entries()) {
      if (i === keep || datas[i] === null || withCrlf(datas[i]).compare(datas[keep]!) !== 0) continue;
      await unlink(path.join(root, mb.dir, f)).catch(() => undefined);
      onDisk.delete(baseOf(path.basename(f)));
    }
  }
  const stats = await Promise.all(
    [...onDisk.values()].map((file) => stat(path.join(root, mb.dir, file)).then((st) => ({ file, mtime: st.mtimeMs }), () => null)),
  );
  // A file younger than minAgeMs may be a delivery between its rename and its index commit
  // (APPEND dates a file back to its message's date only after that commit).
  const cutoff = Date.now() - minAgeMs;
  const toAdopt = stats
    .filter((x): x is { file: string; mtime: number } => x !== null && x.mtime <= cutoff)
    .sort((a, b) => a.mtime - b.mtime);
  const adoptedUids: number[] = [];
  const torn: string[] = [];
  for (let i = 0; i < toAdopt.length; i += ADOPT_BATCH) {
    const batch = await Promise.all(
      toAdopt.slice(i, i + ADOPT_BATCH).map(async (a) => {
        const data = await readFile(path.join(root, mb.dir, a.file)).catch(() => null);
        if (data === null || isTorn(a.file, data)) return data === null ? null : { ...a, data };
        return { ...a, ...(await storedWithCrlf(folder, a.file, data, a.mtime, files)) };
      }),
    );
    transaction(db, () => {
      for (const a of batch) {
        // null: vanished between readdir and read, another process took it.
        if (!a) continue;
        if (isTorn(a.file, a.data)) {
          torn.push(a.file);
          continue;
        }
        const parsed = parseMessage(a.data);
        const { id, uid } = index.insertMessage(mb.id, {
          file: a.file,
          size: a.data.length,
          dataOffset: 0,
          internalDate: Math.floor(a.mtime),
          flags: flagsFromInfo(a.file),
          keywords: keywords(keywordLettersOf(a.file)),
          parsed,
        });
        search.add(id, { file: path.join(root, mb.dir, a.file), offset: 0 }, () => searchDocument(Buffer.alloc(0), parsed));
        adoptedUids.push(uid);
      }
    });
  }
  return { adopted: adoptedUids.length, dropped: gone.length, adoptedUids, torn, unnamed };
}
