// APPEND, STORE, EXPUNGE, COPY and MOVE on the Maildir++ files and the index. Files are
// written (or hard-linked) and synced before the index commit; changes are published on the
// ChangeBus only after it (DESIGN.md "Durability").
import { link, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { transaction } from '../../db/sqlite.ts';
import { searchDocument } from './search-document.ts';
import { MailboxError, type AccountRef, type AppendInput, type AppendResult, type CopyResult, type FlagChange, type MessageMeta } from '../store.ts';
import { maildirBaseName, removeQuietly } from './durable-fs.ts';
import { applyFlags, flagList, keywordList, keywordsColumn, parseFlags } from './flags.ts';
import type { MetaRow } from './imap-sql.ts';
import type { MailboxRow } from './index-writer.ts';
import { findByBase, folderNamer, readCurrent } from './maildir-names.ts';
import { renamedFlags } from './reconcile.ts';
import { accountRoot } from './paths.ts';
import type { StoreContext } from './store-context.ts';

export const toMeta = (r: { uid: number; modseq: number; flags: number; keywords: string | null }): MessageMeta => ({
  uid: r.uid,
  modSeq: r.modseq,
  flags: flagList(r.flags, r.keywords),
});

function target(ctx: StoreContext, account: AccountRef, name: string): MailboxRow {
  const row = ctx.index.mailbox(account.id, name);
  if (!row) throw new MailboxError('TRYCREATE', 'Mailbox does not exist');
  return row;
}

type WrittenFile = { full: string; file: string; bits: number; keywords: string | null };

/** Files of an APPEND written and synced, waiting for their index commit (see commitAppend). */
export type WrittenAppend = { mb: MailboxRow; files: WrittenFile[] };

/**
 * The file half of an APPEND: every message written and synced (MULTIAPPEND: all at once, so
 * their fsyncs share journal commits); on failure none is left behind. No UID yet: UIDs are
 * given at the index commit, in commit order.
 */
export async function writeAppend(ctx: StoreContext, account: AccountRef, mailbox: string, messages: readonly AppendInput[]): Promise<WrittenAppend> {
  const mb = target(ctx, account, mailbox);
  const dir = path.join(accountRoot(ctx.mailRoot, account), mb.dir);
  const tmps: string[] = [];
  const names = folderNamer(dir);
  const files: WrittenFile[] = messages.map((m) => {
    const f = parseFlags(m.flags);
    const base = maildirBaseName();
    const keywords = keywordsColumn(f.keywords);
    const file = `cur/${base},S=${m.content.length}${names.info(f.bits, keywords)}`;
    tmps.push(path.join(dir, 'tmp', base));
    return { full: path.join(dir, file), file, bits: f.bits, keywords };
  });
  const results = await Promise.allSettled(messages.map((m, i) => ctx.files.place(tmps[i], files[i].full, [m.content])));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all([...tmps, ...files.map((f) => f.full)].map(removeQuietly));
    throw failed.reason;
  }
  return { mb, files };
}

/**
 * The index half of an APPEND; with `replacing`, REPLACE (RFC 8508 §3.4): the old message goes
 * in the same index transaction as the new one comes, so no client ever sees both or neither.
 * Commits started in the same turn of the event loop share one transaction (GroupCommit), in
 * the order they were started, so UIDs ascend in that order.
 */
export async function commitAppend(
  ctx: StoreContext,
  account: AccountRef,
  messages: readonly AppendInput[],
  written: WrittenAppend,
  replacing?: { mailboxId: number; uid: number },
): Promise<AppendResult> {
  const { mb, files } = written;
  let rows: { id: number; uid: number; modSeq: number }[];
  let replaced: { row: MetaRow; modSeq: number; dir: string } | null = null;
  try {
    rows = await ctx.commits.run(() => {
      // The mailbox may have been deleted while the files were written.
      if (ctx.sql.mailboxById(mb.id) === null) throw new MailboxError('TRYCREATE', 'Mailbox does not exist');
      const inserted = messages.map((m, i) =>
        ctx.index.insertMessage(mb.id, {
          file: files[i].file,
          size: m.content.length,
          dataOffset: 0,
          internalDate: m.internalDate.getTime(),
          flags: files[i].bits,
          keywords: files[i].keywords,
          parsed: m.parsed,
        }),
      );
      if (replacing !== undefined) {
        const old = ctx.sql.metas(replacing.mailboxId, [replacing.uid]);
        const from = ctx.sql.mailboxById(replacing.mailboxId);
        if (old.length === 0 || from === null) throw new MailboxError('NONEXISTENT', 'The message to replace no longer exists');
        replaced = { row: old[0], modSeq: ctx.index.removeMessages(replacing.mailboxId, old), dir: from.dir };
      }
      return inserted;
    });
  } catch (e) {
    await Promise.all(files.map((f) => removeQuietly(f.full)));
    throw e;
  }
  rows.forEach((r, i) => {
    ctx.bus.publish({ kind: 'exists', accountId: account.id, mailboxId: mb.id, uid: r.uid, modSeq: r.modSeq });
    ctx.search().add(r.id, { file: files[i].full, offset: 0 }, () => searchDocument(Buffer.alloc(0), messages[i].parsed));
    datedBack(files[i].full, messages[i].internalDate);
  });
  const gone = replaced as { row: MetaRow; modSeq: number; dir: string } | null;
  if (gone !== null && replacing !== undefined) {
    await unlink(path.join(accountRoot(ctx.mailRoot, account), gone.dir, gone.row.file)).catch(() => undefined);
    ctx.search().remove([gone.row.id]);
    ctx.bus.publish({ kind: 'expunge', accountId: account.id, mailboxId: replacing.mailboxId, uids: [gone.row.uid], modSeq: gone.modSeq });
  }
  return { mailboxId: mb.id, uidValidity: mb.uidvalidity, uids: rows.map((r) => r.uid) };
}

/**
 * An APPEND's file gets its message's date as its mtime, where Dovecot, mutt and our own
 * adoption read a Maildir message's internal date from. Only after the index commit: until
 * then a young mtime keeps a concurrent `store repair` from adopting the file (reconcile.ts).
 * Not awaited; a file renamed meanwhile keeps its mtime of arrival.
 */
function datedBack(file: string, date: Date): void {
  if (Math.abs(Date.now() - date.getTime()) < 1000) return;
  utimes(file, date, date).catch(() => undefined);
}

/** APPEND (or REPLACE): the files, then the index. */
export async function append(
  ctx: StoreContext,
  account: AccountRef,
  mailbox: string,
  messages: readonly AppendInput[],
  replacing?: { mailboxId: number; uid: number },
): Promise<AppendResult> {
  return commitAppend(ctx, account, messages, await writeAppend(ctx, account, mailbox, messages), replacing);
}

export function setFlags(
  ctx: StoreContext,
  accountId: number,
  mailboxId: number,
  uids: readonly number[],
  action: 'set' | 'add' | 'remove',
  flags: readonly string[],
  unchangedSince?: number,
): FlagChange {
  const change = parseFlags(flags);
  // System flags only, added or removed: one UPDATE per UID run (STORE 1:* +FLAGS (\Seen)).
  const bitsOnly = change.keywords.length === 0 && action !== 'set' && unchangedSince === undefined;
  const changed = bitsOnly ? changeBits(ctx, mailboxId, uids, change.bits, action === 'add') : transaction(ctx.db, (): FlagChange => {
    let rows = ctx.sql.flags(mailboxId, uids);
    // RFC 7162 §3.1.3: the test and the change in one transaction, so nobody slips in between.
    const failed: number[] = [];
    if (unchangedSince !== undefined) {
      rows = rows.filter((r) => r.modseq <= unchangedSince || (failed.push(r.uid), false));
    }
    const out: number[] = [];
    let modSeq = 0;
    for (const r of rows) {
      const cur = { bits: r.flags, keywords: keywordList(r.keywords) };
      const next = applyFlags(cur, action, change);
      const kw = keywordsColumn(next.keywords);
      if (next.bits === r.flags && kw === r.keywords) continue;
      // One MODSEQ for every message this command changes (RFC 7162 §3.1: it must only grow).
      if (modSeq === 0) modSeq = ctx.sql.nextModSeq(mailboxId);
      ctx.sql.setFlags(mailboxId, r.uid, next.bits, kw, modSeq);
      out.push(r.uid);
    }
    return unchangedSince === undefined ? { modSeq, uids: out } : { modSeq, uids: out, failed };
  });
  if (changed.uids.length > 0) {
    ctx.bus.publish({ kind: 'flags', accountId, mailboxId, uids: changed.uids, modSeq: changed.modSeq });
  }
  return changed;
}

function changeBits(ctx: StoreContext, mailboxId: number, uids: readonly number[], bits: number, add: boolean): FlagChange {
  if (bits === 0 || uids.length === 0) return { modSeq: 0, uids: [] };
  try {
    return transaction(ctx.db, () => {
      const modSeq = ctx.sql.nextModSeq(mailboxId);
      const changed = ctx.sql.changeBits(mailboxId, uids, bits, add, modSeq);
      // Nothing changed: roll back, so HIGHESTMODSEQ does not move for nothing.
      if (changed.length === 0) throw NO_CHANGE;
      return { modSeq, uids: changed };
    });
  } catch (e) {
    if (e === NO_CHANGE) return { modSeq: 0, uids: [] };
    throw e;
  }
}

const NO_CHANGE = new Error('no change');

/** Expunges the rows picked by `pick` from the mailbox (among `uids` when given). */
export async function expunge(
  ctx: StoreContext,
  account: AccountRef,
  mailboxId: number,
  uids: readonly number[] | undefined,
  pick: (r: MetaRow) => boolean,
): Promise<number[]> {
  const mb = ctx.sql.mailboxById(mailboxId);
  if (!mb) throw new MailboxError('NONEXISTENT', 'Mailbox does not exist');
  const { rows, modSeq } = transaction(ctx.db, () => {
    const all = uids === undefined ? ctx.sql.metasAfter(mailboxId, 0) : ctx.sql.metas(mailboxId, uids);
    const rows = all.filter(pick);
    return { rows, modSeq: rows.length > 0 ? ctx.index.removeMessages(mailboxId, rows) : 0 };
  });
  if (rows.length === 0) return [];
  const dir = path.join(accountRoot(ctx.mailRoot, account), mb.dir);
  await Promise.all(rows.map((r) => unlink(path.join(dir, r.file)).catch(() => undefined)));
  ctx.search().remove(rows.map((r) => r.id));
  const expunged = rows.map((r) => r.uid);
  ctx.bus.publish({ kind: 'expunge', accountId: account.id, mailboxId, uids: expunged, modSeq });
  return expunged;
}

export async function copy(ctx: StoreContext, account: AccountRef, fromId: number, uids: readonly number[], to: string): Promise<CopyResult & { rows: MetaRow[] }> {
  const src = ctx.sql.mailboxById(fromId);
  if (!src) throw new MailboxError('NONEXISTENT', 'Mailbox does not exist');
  const dst = target(ctx, account, to);
  const root = accountRoot(ctx.mailRoot, account);
  const rows = ctx.sql.metas(fromId, uids);
  const linked: { row: MetaRow; file: string }[] = [];
  const dstFolder = path.join(root, dst.dir);
  const names = folderNamer(dstFolder);
  try {
    for (const row of rows) {
      const file = `cur/${maildirBaseName()},S=${row.size}${names.info(row.flags, row.keywords)}`;
      // One file, two names: a copy costs no bytes and no fsync of data (Maildir files never change).
      await link(path.join(root, src.dir, row.file), path.join(dstFolder, file)).catch(async (e: NodeJS.ErrnoException) => {
        // Renamed for its flags since the row was read (maildir-names.ts): link the new name.
        const now = e.code === 'ENOENT' ? ctx.names.current(row.id, ctx.sql.fileOf(fromId, row.uid)) : null;
        if (now === null || now === row.file) throw e;
        await link(path.join(root, src.dir, now), path.join(dstFolder, file));
      });
      linked.push({ row, file });
    }
    if (linked.length > 0) await ctx.files.sync(path.join(root, dst.dir, 'cur'));
  } catch (e) {
    await Promise.all(linked.map((l) => removeQuietly(path.join(root, dst.dir, l.file))));
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MailboxError('NONEXISTENT', 'Some of the messages no longer exist');
    throw e;
  }
  let made: { id: number; uid: number; modSeq: number }[];
  try {
    made = transaction(ctx.db, () => linked.map((l) => ctx.sql.copyMessage(dst.id, l.row, l.file)));
  } catch (e) {
    await Promise.all(linked.map((l) => removeQuietly(path.join(root, dst.dir, l.file))));
    throw e;
  }
  made.forEach((m) => ctx.bus.publish({ kind: 'exists', accountId: account.id, mailboxId: dst.id, uid: m.uid, modSeq: m.modSeq }));
  // The index is keyed by message id, so a copy's text is indexed again: from its file, by the
  // search worker (a COPY of thousands of messages parses none of them on this thread).
  made.forEach((m, i) => ctx.search().add(m.id, { file: path.join(root, dst.dir, linked[i].file), offset: linked[i].row.data_offset }));
  return { uidValidity: dst.uidvalidity, sourceUids: rows.map((r) => r.uid), destUids: made.map((m) => m.uid), rows };
}

/**
 * Where a message's file is now when another program (mutt, say) renamed it while we run:
 * found by its base name (maildir-names.ts findByBase), the index follows, and the new name's
 * flags become the message's (published, with a new MODSEQ). The name is relative to the
 * message's folder; null when the file is gone.
 */
export async function relocateFile(ctx: StoreContext, account: AccountRef, mailboxId: number, uid: number | null): Promise<string | null> {
  if (uid === null) return null;
  const mb = ctx.sql.mailboxById(mailboxId);
  const row = mb ? ctx.sql.metas(mailboxId, [uid])[0] : undefined;
  if (!mb || row === undefined) return null;
  const folder = path.join(accountRoot(ctx.mailRoot, account), mb.dir);
  const found = await findByBase(folder, row.file);
  if (found === null) return null;
  // Mid-way through our own rename: the name found is ours, not another program's.
  if (ctx.names.renamingNow(row.id)) return found;
  const flags = renamedFlags(folder, found, row);
  const modSeq = transaction(ctx.db, () => {
    ctx.index.updateFile(row.id, found);
    return flags === null ? 0 : ctx.index.setFlagsOf(mailboxId, [{ uid, ...flags }]);
  });
  if (modSeq > 0) ctx.bus.publish({ kind: 'flags', accountId: account.id, mailboxId, uids: [uid], modSeq });
  return found;
}

/** A message's file read by its index row (search, sort): under the name it is being given, or
 *  found again by its base name when another program renamed it (readCurrent). */
export function readRowFile(ctx: StoreContext, account: AccountRef, mailboxId: number, dir: string, row: { id: number; file: string }): Promise<Buffer> {
  return readCurrent(
    dir,
    row.file,
    () => ctx.names.current(row.id, ctx.sql.fileById(row.id)),
    () => relocateFile(ctx, account, mailboxId, ctx.sql.uidById(row.id)),
  );
}
