// Phase 1 of a Maildir delivery, on its own: one copy of a message written, renamed into the
// folder's new/ and synced. It needs nothing but the file system, so it runs in whichever
// thread received the message (the SMTP worker threads do it themselves); phase 2, the index
// commit, is the store's commitPlaced.
import path from 'node:path';
import type { DeliveryTarget, PlacedCopy } from '../store.ts';
import { maildirBaseName, removeQuietly, type DurableFiles } from './durable-fs.ts';
import { accountRoot, folderDir } from './paths.ts';

/** Where a placed copy lives. */
export function placedPath(mailRoot: string, p: PlacedCopy): string {
  return path.join(accountRoot(mailRoot, p.target.account), folderDir(p.target.mailbox), p.file);
}

/**
 * Writes the target's copy (its prefix, then the message) durably into the target folder's
 * new/. The folder must exist; a missing one fails with ENOENT and leaves nothing behind.
 */
export async function placeCopy(mailRoot: string, target: DeliveryTarget, content: Buffer, files: DurableFiles): Promise<PlacedCopy> {
  const dir = path.join(accountRoot(mailRoot, target.account), folderDir(target.mailbox));
  const size = target.prefix.length + content.length;
  const base = maildirBaseName();
  const tmp = path.join(dir, 'tmp', base);
  const file = `new/${base},S=${size}`;
  try {
    await files.place(tmp, path.join(dir, file), [target.prefix, content]);
  } catch (e) {
    await Promise.all([removeQuietly(tmp), removeQuietly(path.join(dir, file))]);
    throw e;
  }
  return { target, file, size };
}

/** Every target's copy, all or none: if one fails the others are removed and its error thrown. */
export async function placeAll(mailRoot: string, targets: readonly DeliveryTarget[], content: Buffer, files: DurableFiles): Promise<PlacedCopy[]> {
  const results = await Promise.allSettled(targets.map((t) => placeCopy(mailRoot, t, content, files)));
  const placed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await removePlaced(mailRoot, placed);
    throw failed.reason;
  }
  return placed;
}

/** Removes placed copies that will not be committed (a later failure undoes the delivery). */
export async function removePlaced(mailRoot: string, placed: readonly PlacedCopy[]): Promise<void> {
  await Promise.all(placed.map((p) => removeQuietly(placedPath(mailRoot, p))));
}
