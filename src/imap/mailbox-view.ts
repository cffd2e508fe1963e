// What one session believes about its selected mailbox: the sequence-number → UID map and the
// changes others made that it has not told its client yet. Untagged EXISTS/EXPUNGE/FETCH are
// sent only at the moments RFC 9051 §7.5.1 allows, so the view and the client's copy stay in
// step (seq numbers never shift under a FETCH).
//
// Memory: an idle session holds no per-message data of its own. The UIDs are an immutable
// Uint32Array shared by every session whose view holds the same UIDs (see SharedUids); a
// session that applies a change derives a new array, and the next session applying the same
// change to the same array gets the same result. Which flag changes the client already knows
// is only kept while such a change is pending (see told()).
import { lowerBound } from '../core/sorted.ts';
import type { MailboxInfo } from '../store/store.ts';
import { resolveSequenceSet, STAR, type SequenceSet } from './seqset.ts';
import type { SearchContexts } from './search-contexts.ts';

/**
 * One array per mailbox state, shared between sessions: SELECT interns what the store
 * returned, and EXISTS/EXPUNGE derivations are cached (same base, same change → same array).
 * Entries are weak, so a mailbox nobody has selected holds nothing.
 */
class SharedUids {
  private readonly latest = new Map<number, WeakRef<Uint32Array>>();
  private readonly derived = new Map<number, { from: WeakRef<Uint32Array>; change: string; to: WeakRef<Uint32Array> }>();
  private readonly cleanup = new FinalizationRegistry<number>((id) => {
    if (this.latest.get(id)?.deref() === undefined) this.latest.delete(id);
    const d = this.derived.get(id);
    if (d && d.to.deref() === undefined) this.derived.delete(id);
  });

  /** The shared array equal to `uids`, or `uids` itself when it is the newest state. */
  intern(mailboxId: number, uids: Uint32Array): Uint32Array {
    const cur = this.latest.get(mailboxId)?.deref();
    if (cur !== undefined && sameUids(cur, uids)) return cur;
    this.latest.set(mailboxId, new WeakRef(uids));
    this.cleanup.register(uids, mailboxId);
    return uids;
  }

  /** `base` changed by `change` (a key naming the change), computed once for all sessions. */
  derive(mailboxId: number, base: Uint32Array, change: string, make: () => Uint32Array): Uint32Array {
    const d = this.derived.get(mailboxId);
    if (d !== undefined && d.change === change && d.from.deref() === base) {
      const to = d.to.deref();
      if (to !== undefined) return to;
    }
    const to = this.intern(mailboxId, make());
    this.derived.set(mailboxId, { from: new WeakRef(base), change, to: new WeakRef(to) });
    return to;
  }
}

function sameUids(a: Uint32Array, b: Uint32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a.length > 0 && a[a.length - 1] !== b[b.length - 1]) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const SHARED = new SharedUids();
const EMPTY = new Uint32Array(0);

export class MailboxView {
  readonly mailbox: MailboxInfo;
  readonly readOnly: boolean;
  /** UIDs ascending; index i holds sequence number i + 1. Shared: never written in place. */
  uids: Uint32Array = EMPTY;
  /** \Recent for this session (IMAP4rev1), as UID ranges [from, to). */
  private recentRanges: [number, number][] = [];
  pendingExists = false;
  readonly pendingExpunge = new Set<number>();
  /** The lowest MODSEQ of the pending expunges (0: none); the MODSEQ of the latest expunge heard. */
  pendingExpungeModSeq = 0;
  lastExpungeModSeq = 0;
  readonly pendingFlags = new Set<number>();
  /** While flag changes are pending: what the client was told meanwhile (see told()). */
  private toldUids: Map<number, number> | null = null;
  private toldModSeqs: Set<number> | null = null;
  /** Deleted or renamed by someone else: the session must end the selection (Dovecot: BYE). */
  gone = false;
  /** RFC 5182 "$": the UIDs the last SEARCH RETURN (SAVE) found, ascending. Kept as UIDs so
   *  expunges need no adjusting: "$" resolves to those still in the view. Empty at SELECT. */
  savedResult: readonly number[] = [];
  /** RFC 5267 live searches (RETURN (UPDATE)); they end with the selection. */
  contexts: SearchContexts | null = null;
  /** The keywords the client was told in FLAGS, by lowercase name (Session.tellKeywords). */
  readonly keywords = new Map<string, string>();

  constructor(mailbox: MailboxInfo, readOnly: boolean, uids: Uint32Array) {
    this.mailbox = mailbox;
    this.readOnly = readOnly;
    this.uids = SHARED.intern(mailbox.id, uids);
  }

  /** An expunge published for this mailbox, to be told when RFC 9051 §7.5.1 allows. */
  noteExpunge(uids: readonly number[], modSeq: number): void {
    for (const u of uids) this.pendingExpunge.add(u);
    if (modSeq > 0 && (this.pendingExpungeModSeq === 0 || modSeq < this.pendingExpungeModSeq)) this.pendingExpungeModSeq = modSeq;
    if (modSeq > this.lastExpungeModSeq) this.lastExpungeModSeq = modSeq;
  }

  /** The pending expunges are being told. */
  expungesTold(): void {
    this.pendingExpunge.clear();
    this.pendingExpungeModSeq = 0;
  }

  /** Appends UIDs above lastUid (new messages), ascending. */
  addMany(fresh: readonly number[]): void {
    if (fresh.length === 0) return;
    const base = this.uids;
    this.uids = SHARED.derive(this.mailbox.id, base, `+${fresh.join(',')}`, () => {
      const out = new Uint32Array(base.length + fresh.length);
      out.set(base);
      out.set(fresh, base.length);
      return out;
    });
  }

  // ---- flag changes the client already knows ----
  // A change made by someone else reaches pendingFlags synchronously with its commit, so the
  // client can only have been told of it (by a FETCH or STORE of this session) while it is
  // pending; once the pending changes are flushed, nothing needs remembering.

  /** Records that the client now knows the message at this MODSEQ. */
  told(uid: number, modSeq: number): void {
    if (!this.pendingFlags.has(uid)) return;
    this.toldUids ??= new Map();
    if ((this.toldUids.get(uid) ?? 0) < modSeq) this.toldUids.set(uid, modSeq);
  }

  /** This session made the change with this MODSEQ and answered it (STORE, FETCH setting \Seen). */
  toldChange(modSeq: number): void {
    (this.toldModSeqs ??= new Set()).add(modSeq);
  }

  /** Whether the client already knows the message at this MODSEQ. */
  knows(uid: number, modSeq: number): boolean {
    return (this.toldModSeqs?.has(modSeq) ?? false) || (this.toldUids?.get(uid) ?? 0) >= modSeq;
  }

  /** The pending flag changes have all been flushed. */
  settled(): void {
    this.toldUids = null;
    this.toldModSeqs = null;
  }

  // ---- \Recent ----

  addRecent(from: number, to: number): void {
    if (to > from) this.recentRanges.push([from, to]);
  }

  isRecent(uid: number): boolean {
    for (const [from, to] of this.recentRanges) if (uid >= from && uid < to) return true;
    return false;
  }

  /** How many messages of the view are \Recent. */
  get recentCount(): number {
    let n = 0;
    for (const [from, to] of this.recentRanges) n += this.lowerBound(to) - this.lowerBound(from);
    return n;
  }

  /** The \Recent UIDs of the view (SEARCH RECENT/NEW/OLD). */
  recentUids(): Set<number> {
    const out = new Set<number>();
    for (const [from, to] of this.recentRanges) for (let i = this.lowerBound(from); i < this.uids.length && this.uids[i] < to; i++) out.add(this.uids[i]);
    return out;
  }

  get exists(): number {
    return this.uids.length;
  }

  get lastUid(): number {
    return this.uids.length === 0 ? 0 : this.uids[this.uids.length - 1];
  }

  /** 1-based sequence number of a UID, or 0 when it is not in the view. */
  seqOf(uid: number): number {
    const i = this.lowerBound(uid);
    return i < this.uids.length && this.uids[i] === uid ? i + 1 : 0;
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
    }
    if (seqs.length === 0) return [];
    seqs.sort((a, b) => b - a);
    const base = this.uids;
    const gone = seqs.map((s) => base[s - 1]).sort((a, b) => a - b);
    this.uids = SHARED.derive(this.mailbox.id, base, `-${gone.join(',')}`, () => {
      const out = new Uint32Array(base.length - seqs.length);
      let k = 0;
      let g = 0;
      for (let i = 0; i < base.length; i++) {
        if (g < gone.length && base[i] === gone[g]) {
          g++;
          continue;
        }
        out[k++] = base[i];
      }
      return out;
    });
    return seqs;
  }

  /** The sequence number of the first message with a UID of at least `uid` (exists + 1: none). */
  seqAtOrAbove(uid: number): number {
    return this.lowerBound(uid) + 1;
  }

  /**
   * Why a message sequence set is refused, or null. RFC 9051 §9 (seq-number): a number past
   * the last message this session was told of, or "*" in an empty mailbox, gets a tagged BAD
   * (as Dovecot answers); UID sets name what exists and ignore the rest.
   */
  seqSetError(set: SequenceSet): string | null {
    const exists = this.uids.length;
    for (const [lo, hi] of set.ranges) {
      if ((lo === STAR || hi === STAR) && exists === 0) return 'Invalid message set: "*" in an empty mailbox';
      if (lo > exists || hi > exists) return `Invalid message set: ${exists} message(s) exist`;
    }
    return null;
  }

  /** UIDs named by a message sequence set, ascending. */
  uidsOfSeqSet(set: SequenceSet): number[] {
    const out: number[] = [];
    for (const [lo, hi] of resolveSequenceSet(set, this.uids.length)) {
      for (let s = Math.max(lo, 1); s <= Math.min(hi, this.uids.length); s++) out.push(this.uids[s - 1]);
    }
    return set.saved ? this.withSaved(out) : out;
  }

  /** UIDs of the view named by a UID set, ascending; "*" is the largest UID (RFC 9051 §6.4.8). */
  uidsOfUidSet(set: SequenceSet): number[] {
    const out: number[] = [];
    for (const [lo, hi] of resolveSequenceSet(set, this.lastUid)) {
      let i = this.lowerBound(lo);
      while (i < this.uids.length && this.uids[i] <= hi) out.push(this.uids[i++]);
    }
    return set.saved ? this.withSaved(out) : out;
  }

  /** RFC 5182 §2.1: "$" is the saved result whether the command takes numbers or UIDs. */
  private withSaved(uids: number[]): number[] {
    const present = this.savedResult.filter((u) => this.seqOf(u) > 0);
    if (uids.length === 0) return present;
    return [...new Set([...uids, ...present])].sort((a, b) => a - b);
  }

  /** The saved result still in the view, as UID ranges (SEARCH UID $). */
  savedRanges(): [number, number][] {
    return this.rangesOf(this.savedResult.filter((u) => this.seqOf(u) > 0));
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
    return lowerBound(this.uids, uid);
  }
}
