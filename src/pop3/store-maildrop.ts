// POP3's view of the message store: the account's INBOX as it was at login, one POP3 session
// per account at a time (RFC 2449 [IN-USE]), deletions applied only at QUIT. IMAP sessions see
// those deletions as ordinary expunges, through the store's change bus.
import type { Directory } from '../directory/directory.ts';
import type { MessageStore } from '../store/store.ts';
import type { Maildrop, MaildropProvider } from './maildrop.ts';

export class StoreMaildrops implements MaildropProvider {
  private readonly store: MessageStore;
  private readonly directory: Directory;
  private readonly held = new Set<number>();

  constructor(store: MessageStore, directory: Directory) {
    this.store = store;
    this.directory = directory;
  }

  async open(accountId: number): Promise<Maildrop | 'in-use'> {
    if (this.held.has(accountId)) return 'in-use';
    this.held.add(accountId);
    try {
      const account = await this.directory.getAccountById(accountId);
      const inbox = account ? await this.store.getMailbox(accountId, 'INBOX') : null;
      if (!account || !inbox) throw new Error(`account ${accountId} has no INBOX`);
      const metas = await this.store.listMessages(inbox.id);
      const records = await this.store.messageRecords(inbox.id, metas.map((m) => m.uid), { json: false });
      const release = () => this.held.delete(accountId);
      const { store } = this;
      return {
        uidValidity: inbox.uidValidity,
        messages: records.map((r) => ({ uid: r.uid, size: r.size })),
        async read(uid) {
          const data = await store.readMessage(account, inbox.id, uid);
          if (!data) throw new Error(`message ${uid} is gone`);
          return data;
        },
        async expunge(uids) {
          if (uids.length === 0) return;
          await store.setFlags(account, inbox.id, uids, 'add', ['\\Deleted']);
          await store.expunge(account, inbox.id, uids);
        },
        release,
      };
    } catch (e) {
      this.held.delete(accountId);
      throw e;
    }
  }
}
