// The in-process ChangeBus: synchronous fan-out per account. A PostgreSQL deployment would
// implement the same interface with LISTEN/NOTIFY.
import type { ChangeBus, MailboxChange } from './store.ts';

export class LocalChangeBus implements ChangeBus {
  private readonly subs = new Map<number, Set<(c: MailboxChange) => void>>();

  publish(change: MailboxChange): void {
    const set = this.subs.get(change.accountId);
    if (!set) return;
    for (const fn of set) fn(change);
  }

  subscribe(accountId: number, fn: (c: MailboxChange) => void): () => void {
    let set = this.subs.get(accountId);
    if (!set) this.subs.set(accountId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.subs.delete(accountId);
    };
  }
}
