// Quota before APPEND, COPY and MOVE (issue 4: "[OVERQUOTA]", RFC 9208 §4.1).
import { MailboxError } from '../../store/store.ts';
import type { Session } from '../session.ts';

/** `pending`: bytes of pipelined APPENDs not yet in the index, read with the usage. */
export async function checkQuota(s: Session, adding: number, pending?: () => number): Promise<void> {
  const limit = await s.deps.quotaOf(s.account!.id);
  if (limit <= 0) return;
  const used = await s.deps.store.usage(s.account!.id);
  if (used + (pending?.() ?? 0) + adding > limit) throw new MailboxError('OVERQUOTA', 'Quota exceeded (mailbox for user is full)');
}
