// CREATE, DELETE, RENAME and SUBSCRIBE on the Maildir++ tree and the index (RFC 9051 §6.3.4-6.3.7).
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { transaction } from '../../db/sqlite.ts';
import { isInferior, mailboxNameProblem, parentsOf } from '../mailbox-name.ts';
import { MailboxError, type AccountRef, type MailboxInfo } from '../store.ts';
import { toInfo, type MailboxRow } from './index-writer.ts';
import { accountRoot, folderDir, SUBDIRS } from './paths.ts';
import type { StoreContext } from './store-context.ts';
import { writeSubscriptions } from './subscriptions-file.ts';

/** A directory name longer than this fails to be made (ext4, xfs, btrfs: NAME_MAX). */
const MAX_DIR_BYTES = 255;

function checkName(name: string): void {
  const problem = mailboxNameProblem(name);
  if (problem !== null) throw new MailboxError('CANNOT', problem);
  // ".A.B" with each level in modified UTF-7: longer than the name itself, for non-ASCII a lot.
  if (Buffer.byteLength(folderDir(name)) > MAX_DIR_BYTES) throw new MailboxError('CANNOT', 'Mailbox name is too long');
}

async function makeFolder(ctx: StoreContext, account: AccountRef, name: string, use: string | null): Promise<MailboxRow> {
  const root = accountRoot(ctx.mailRoot, account);
  const dir = folderDir(name);
  for (const sub of SUBDIRS) await mkdir(path.join(root, dir, sub), { recursive: true, mode: 0o700 });
  if (dir) await writeFile(path.join(root, dir, 'maildirfolder'), '');
  // CREATE does not subscribe (as Dovecot): a client that wants it sends SUBSCRIBE, and a name
  // once subscribed outlives its mailbox (RFC 9051 §6.3.7), so LSUB would only ever grow.
  const row = ctx.index.ensureMailbox(account.id, name, dir, use, false);
  ctx.bus.publish({ kind: 'mailbox', accountId: account.id, mailboxId: row.id, what: 'created', name });
  return row;
}

export async function createMailbox(ctx: StoreContext, account: AccountRef, name: string, use: string | null): Promise<MailboxInfo> {
  checkName(name);
  if (ctx.index.mailbox(account.id, name)) throw new MailboxError('ALREADYEXISTS', 'Mailbox already exists');
  // RFC 9051 §6.3.4: create the superior hierarchical names needed.
  for (const parent of parentsOf(name)) if (!ctx.index.mailbox(account.id, parent)) await makeFolder(ctx, account, parent, null);
  return toInfo(await makeFolder(ctx, account, name, use));
}

export async function deleteMailbox(ctx: StoreContext, account: AccountRef, name: string): Promise<void> {
  if (name === 'INBOX') throw new MailboxError('CANNOT', 'INBOX can not be deleted');
  const row = ctx.index.mailbox(account.id, name);
  if (!row) throw new MailboxError('NONEXISTENT', 'Mailbox does not exist');
  // RFC 9051 §6.3.5: inferiors stay. In Maildir++ ".A.B" does not live inside ".A", so the
  // parent's folder and messages go and its name lives on only through its children, which
  // LIST shows as \Noselect (as Dovecot does with this layout).
  const ids = ctx.sql.messageIds(row.id);
  transaction(ctx.db, () => ctx.sql.deleteMailbox(row.id));
  ctx.search().remove(ids);
  if (row.dir) await rm(path.join(accountRoot(ctx.mailRoot, account), row.dir), { recursive: true, force: true });
  ctx.bus.publish({ kind: 'mailbox', accountId: account.id, mailboxId: row.id, what: 'deleted', name });
}

/** Renames `from` and its inferiors; INBOX is handled by the caller (its messages move). */
export async function renameMailbox(ctx: StoreContext, account: AccountRef, from: string, to: string): Promise<void> {
  checkName(to);
  const row = ctx.index.mailbox(account.id, from);
  if (!row) throw new MailboxError('NONEXISTENT', 'Mailbox does not exist');
  if (ctx.index.mailbox(account.id, to)) throw new MailboxError('ALREADYEXISTS', 'Target mailbox already exists');
  if (to === from || isInferior(to, from)) throw new MailboxError('CANNOT', 'Can not move a mailbox under itself');
  const moving = ctx.index.mailboxRows(account.id).filter((r) => r.id === row.id || isInferior(r.name, from));
  for (const r of moving) checkName(to + r.name.slice(from.length));
  for (const parent of parentsOf(to)) if (!ctx.index.mailbox(account.id, parent)) await makeFolder(ctx, account, parent, null);
  const root = accountRoot(ctx.mailRoot, account);
  const done: { r: MailboxRow; name: string; dir: string }[] = [];
  try {
    for (const r of moving) {
      const name = to + r.name.slice(from.length);
      const dir = folderDir(name);
      await rename(path.join(root, r.dir), path.join(root, dir));
      done.push({ r, name, dir });
    }
  } catch (e) {
    for (const d of done.reverse()) await rename(path.join(root, d.dir), path.join(root, d.r.dir)).catch(() => undefined);
    throw e;
  }
  transaction(ctx.db, () => {
    // The old names stay subscribed (RFC 9051 §6.3.7); the new ones are too where they were.
    for (const d of done) {
      ctx.sql.renameMailbox(d.r.id, d.name, d.dir);
      if (d.r.subscribed) ctx.sql.setSubscribed(account.id, d.name, true);
    }
  });
  if (done.some((d) => d.r.subscribed)) syncSubscriptionsFile(ctx, account);
  for (const d of done) ctx.bus.publish({ kind: 'mailbox', accountId: account.id, mailboxId: d.r.id, what: 'renamed', name: d.name, oldName: d.r.name });
}

/** SUBSCRIBE checks that the mailbox exists (RFC 9051 §6.3.7 allows it); UNSUBSCRIBE takes
 *  any name on the list, a mailbox since deleted included. */
export function setSubscribed(ctx: StoreContext, account: AccountRef, name: string, on: boolean): void {
  const accountId = account.id;
  const row = ctx.index.mailbox(accountId, name);
  if (on && !row) throw new MailboxError('NONEXISTENT', 'Mailbox does not exist');
  const changed = ctx.sql.setSubscribed(accountId, name, on);
  if (changed) syncSubscriptionsFile(ctx, account);
  if (changed && row) ctx.bus.publish({ kind: 'subscription', accountId, mailboxId: row.id, name, subscribed: on });
}

/** The Maildir's subscriptions file rewritten from the index (subscriptions-file.ts). */
export function syncSubscriptionsFile(ctx: StoreContext, account: AccountRef): void {
  try {
    writeSubscriptions(accountRoot(ctx.mailRoot, account), ctx.sql.subscriptions(account.id));
  } catch (e) {
    // The index has the change; only another program's view of it is late.
    ctx.log.warn({ event: 'store.subscriptions', account: `${account.local}@${account.domain}`, err: (e as Error).message }, 'could not write the subscriptions file');
  }
}
