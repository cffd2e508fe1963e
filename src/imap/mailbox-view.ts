// What one session believes about its selected mailbox: the sequence-number → UID map, each
// message's flags and MODSEQ, and the changes others made that it has not told its client
// yet. Untagged EXISTS/EXPUNGE/FETCH are sent only at the moments RFC 9051 §7.5.1 allows,
// so the view and the client's copy stay in step (seq numbers never shift under a FETCH).
import type { MailboxInfo, MessageMeta } from '../store/store.ts';
import { resolveSequenceSet, type SequenceSet } from './seqset.ts';

export class MailboxView {
  readonly mailbox: MailboxInfo;
  readonly readOnly: boolean;
  /** UIDs ascending; index i holds sequence number i + 1. Flags are not kept (they are read
   *  when needed): per message the view holds two numbers, UID and the MODSEQ last told. */
  uids: number[] = [];
  modSeqs: number[] = [];
  /** \Recent for this session (IMAP4rev1): messages that arrived while it had the mailbox. */
  readonly recent = new Set<number>();
  pendingExists = false;
  readonly pendingExpunge = new Set<number>();
  readonly pendingFlags = new Set<number>();
  /** Deleted or renamed by someone else: the session must end the selection (Dovecot: BYE). */
  gone = false;

  constructor(mailbox: MailboxInfo, readOnly: boolean, messages: readonly MessageMeta[]) {
    this.mailbox = mailbox;
    this.readOnly = readOnly;
    for (const m of messages) this.add(m);
  }

  add(m: Pick<MessageMeta, 'uid' | 'modSeq'>): void {
    this.uids.push(m.uid);
    this.modSeqs.push(m.modSeq);
  }

  /** The MODSEQ the client was last told for a UID (0 when not in the view). */
  modSeqOf(uid: number): number {
    const seq = this.seqOf(uid);
    return seq === 0 ? 0 : this.modSeqs[seq - 1];
  }

  /** Records that the client now knows the message at this MODSEQ; false if it knew it already. */
  told(uid: number, modSeq: number): boolean {
    const seq = this.seqOf(uid);
    if (seq === 0 || this.modSeqs[seq - 1] >= modSeq) return false;
    this.modSeqs[seq - 1] = modSeq;
    return true;
  }

  get exists(): number {
    return this.uids.length;
  }

  get lastUid(): number {
    return this.uids.length === 0 ? 0 : this.uids[this.uids.length - 1];
  }

  /** 1-based sequence number of a UID, or 0 when it is not in the view. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid];
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /**
   * Removes UIDs; returns the sequence numbers to announce, in the order to send them
   * (highest first, so each stays valid as the ones before it are applied).
   */
  removeMany(uids: Iterable<number>): number[] {
    const seqs: number[] = [];
    for (const u of uids) {
      const seq = this.seqOf(u);
      if (seq > 0) seqs.push(seq);
      this.recent.delete(u);
    }
    if (seqs.length === 0) return [];
    seqs.sort((a, b) => b - a);
    const gone = new Set(seqs);
    const keepUids: number[] = [];
    const keepMods: number[] = [];
    for (let i = 0; i < this.uids.length; i++) {
      if (gone.has(i + 1)) continue;
      keepUids.push(this.uids[i]);
      keepMods.push(this.modSeqs[i]);
    }
    this.uids = keepUids;
    this.modSeqs = keepMods;
    return seqs;
  }

  /** UIDs named by a message sequence set, ascending. */
  uidsOfSeqSet(set: SequenceSet): number[] {
    const out: number[] = [];
    for (const [lo, hi] of resolveSequenceSet(set, this.uids.length)) {
      for (let s = Math.max(lo, 1); s <= Math.min(hi, this.uids.length); s++) out.push(this.uids[s - 1]);
    }
    return out;
  }

  /** UIDs of the view named by a UID set, ascending; "*" is the largest UID (RFC 9051 §6.4.8). */
  uidsOfUidSet(set: SequenceSet): number[] {
    const out: number[] = [];
    for (const [lo, hi] of resolveSequenceSet(set, this.lastUid)) {
      let i = this.lowerBound(lo);
      while (i < this.uids.length && this.uids[i] <= hi) out.push(this.uids[i++]);
    }
    return out;
  }

  /** Ranges form of uidsOfSeqSet, for SEARCH. */
  rangesOf(uids: readonly number[]): [number, number][] {
    const out: [number, number][] = [];
    for (const u of uids) {
      const last = out[out.length - 1];
      if (last !== undefined && u === last[1] + 1) last[1] = u;
      else out.push([u, u]);
    }
    return out;
  }

  private lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.uids[mid] < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
