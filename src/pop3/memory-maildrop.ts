// An in-memory MaildropProvider: the reference for the contract in maildrop.ts, used by the
// POP3 tests (and usable in a demo without a store). Messages are stored with CRLF line ends;
// one session at a time per account, like the real store's lock.
import type { DropMessage, Maildrop, MaildropProvider } from './maildrop.ts';

export class MemoryMaildrops implements MaildropProvider {
  readonly uidValidity: number;
  private readonly boxes = new Map<number, Map<number, Buffer>>();
  private readonly held = new Set<number>();
  private nextUid = 1;
  /** Calls of expunge, for tests: [accountId, uids]. */
  readonly expunges: [number, number[]][] = [];

  constructor(uidValidity = 1_700_000_000) {
    this.uidValidity = uidValidity;
  }

  /** Adds a message (bare LF become CRLF, as the store writes them); its UID. */
  add(accountId: number, message: string | Buffer): number {
    const raw = Buffer.isBuffer(message) ? message : Buffer.from(message.replace(/\r?\n/g, '\r\n'), 'utf8');
    const uid = this.nextUid++;
    this.box(accountId).set(uid, raw);
    return uid;
  }

  /** The UIDs in the account's INBOX now. */
  uids(accountId: number): number[] {
    return [...this.box(accountId).keys()];
  }

  get(accountId: number, uid: number): Buffer | undefined {
    return this.box(accountId).get(uid);
  }

  isHeld(accountId: number): boolean {
    return this.held.has(accountId);
  }

  async open(accountId: number): Promise<Maildrop | 'in-use'> {
    if (this.held.has(accountId)) return 'in-use';
    this.held.add(accountId);
    const box = this.box(accountId);
    const messages: DropMessage[] = [...box.entries()].sort((a, b) => a[0] - b[0]).map(([uid, b]) => ({ uid, size: b.length }));
    let released = false;
    return {
      uidValidity: this.uidValidity,
      messages,
      read: async (uid) => {
        const b = box.get(uid);
        if (!b) throw new Error(`no message ${uid}`);
        return b;
      },
      expunge: async (uids) => {
        this.expunges.push([accountId, [...uids]]);
        for (const uid of uids) box.delete(uid);
      },
      release: () => {
        if (released) return;
        released = true;
        this.held.delete(accountId);
      },
    };
  }

  private box(accountId: number): Map<number, Buffer> {
    let b = this.boxes.get(accountId);
    if (!b) {
      b = new Map();
      this.boxes.set(accountId, b);
    }
    return b;
  }
}
