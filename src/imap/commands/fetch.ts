// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9). Index data never opens the file; bodies are
// read per message and written with backpressure. \Seen is set by non-PEEK body fetches.
import type { FetchItem } from '../ast.ts';
import { FetchError, fetchItems, fetchItemsText, fetchNeedsContent, fetchSetsSeen } from '../fetch-response.ts';
import { sendVanishedEarlier, toModSeq } from '../qresync.ts';
import { resolveSequenceSet } from '../seqset.ts';
import type { Session } from '../session.ts';
import { partialSlice } from '../result-sets.ts';
import { AsciiWriter, asciiBytes } from '../ascii-writer.ts';
import { SELECTED, bad, no, ok, type Handler, type Reply } from './types.ts';

const BATCH = 100;
const META_ONLY = new Set(['UID', 'FLAGS', 'MODSEQ']);
const [STAR, FETCH_OPEN, SP, UID_SP, MODSEQ_OPEN, CLOSE, END] = ['* ', ' FETCH (', ' ', 'UID ', 'MODSEQ (', ')', ')\r\n'].map(asciiBytes);
/** Items answered without the envelope and body JSON (ENVELOPE, BODY, BODYSTRUCTURE from the
 *  stored wire text, outside UTF8=ACCEPT). */
const NO_JSON = new Set(['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'SAVEDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'PREVIEW', 'EMAILID', 'THREADID']);

/**
 * `* n FETCH (...)` with UID, FLAGS and MODSEQ only, straight from the index in one read
 * (a client's resync, STORE answers); returns how many of the UIDs still exist.
 */
export async function writeFlagFetches(s: Session, uids: readonly number[], items: readonly FetchItem[]): Promise<number> {
  const view = s.selected!;
  const withFlags = items.some((it) => it.item === 'FLAGS');
  const rev1 = !s.rev2;
  // Both lists ascend: each UID's sequence number is found by walking on from the last one
  // rather than by a search per message (a full resync of 100,000 messages).
  let seqs = view.uids;
  let at = 0;
  const out = new AsciiWriter();
  const flagBytes = new Map<string, Uint8Array>();
  // MODSEQ is only needed when asked for, or to note what the client learns of pending changes.
  const withModSeq = view.pendingFlags.size > 0 || items.some((it) => it.item === 'MODSEQ');
  // One read for the whole set: the store answers most of a mailbox from its shared flag table.
  const t = await s.deps.store.flagTable(view.mailbox.id, uids, withModSeq);
  const modSeqs = t.modSeqs;
  for (let k = 0; k < t.uids.length; k++) {
    if (view.uids !== seqs) {
      // The view changed while a part was being sent: walk the new one from its start.
      seqs = view.uids;
      at = 0;
    }
    const uid = t.uids[k];
    while (at < seqs.length && seqs[at] < uid) at++;
    if (at >= seqs.length || seqs[at] !== uid) continue;
    out.bytes(STAR).uint(at + 1).bytes(FETCH_OPEN);
    for (let j = 0; j < items.length; j++) {
      const it = items[j];
      if (j > 0) out.bytes(SP);
      if (it.item === 'UID') out.bytes(UID_SP).uint(uid);
      else if (it.item === 'MODSEQ') out.bytes(MODSEQ_OPEN).uint(modSeqs![k]).bytes(CLOSE);
      else {
        // Flags and keywords are atoms: ASCII. The few distinct lists are made bytes once.
        const f = t.flags[k];
        const recent = rev1 && view.isRecent(uid);
        const key = recent ? f + '\u0000' : f;
        let b = flagBytes.get(key);
        if (b === undefined) flagBytes.set(key, (b = asciiBytes(`FLAGS (${recent ? (f === '' ? '\\Recent' : f + ' \\Recent') : f})`)));
        out.bytes(b);
      }
    }
    out.bytes(END);
    if (withFlags && modSeqs !== null) view.told(uid, modSeqs[k]);
    // Sent in parts, each with backpressure, so a large answer never sits whole in memory.
    if (out.length >= FLUSH_AT) await s.send(out.take());
  }
  if (out.length > 0) await s.send(out.take());
  return t.uids.length;
}

async function fetchMeta(s: Session, uids: readonly number[], items: readonly FetchItem[]): Promise<Reply> {
  const found = await writeFlagFetches(s, uids, items);
  return found < uids.length ? expungeIssued('FETCH', found === 0) : ok('FETCH completed');
}

const CRLF = Buffer.from('\r\n');
const SMALL = 16 * 1024;
const FLUSH_AT = 64 * 1024;

/** Response bytes gathered into few socket writes: small chunks are joined into one buffer,
 *  large ones (literals) go as they are; written with backpressure every FLUSH_AT bytes. */
class Outbox {
  private readonly s: Session;
  private small: Buffer[] = [];
  private smallBytes = 0;
  private ready: Buffer[] = [];
  private bytes = 0;
  /** Responses given as latin1 text, not yet made a Buffer (one Buffer for many). */
  private text = '';
  constructor(s: Session) {
    this.s = s;
  }

  /** A whole response as latin1 text (one char a byte). */
  async addText(response: string): Promise<void> {
    this.text += response;
    this.bytes += response.length;
    if (this.bytes >= FLUSH_AT) await this.flush();
  }

  private takeText(): void {
    if (this.text === '') return;
    const b = Buffer.from(this.text, 'latin1');
    this.text = '';
    this.small.push(b);
    this.smallBytes += b.length;
  }

  async add(head: Buffer, data: readonly Buffer[], tail: Buffer): Promise<void> {
    this.push(head);
    for (const b of data) this.push(b);
    this.push(tail);
    if (this.bytes >= FLUSH_AT) await this.flush();
  }

  private push(b: Buffer): void {
    this.takeText();
    this.bytes += b.length;
    if (b.length < SMALL) {
      this.small.push(b);
      this.smallBytes += b.length;
      return;
    }
    this.join();
    this.ready.push(b);
  }

  private join(): void {
    this.takeText();
    if (this.small.length === 0) return;
    this.ready.push(this.small.length === 1 ? this.small[0] : Buffer.concat(this.small, this.smallBytes));
    this.small = [];
    this.smallBytes = 0;
  }

  async flush(): Promise<void> {
    this.join();
    if (this.ready.length === 0) return;
    const chunks = this.ready;
    this.ready = [];
    this.bytes = 0;
    await this.s.send(chunks);
  }
}

// RFC 9051 §7.1 EXPUNGEISSUED: the client hears of the expunge at its next NOOP. When every
// message named is gone, only a tagged NO (RFC 2180 §4.1.3, §4.2.2): the client waits for nothing.
export const expungeIssued = (verb: 'FETCH' | 'STORE', none: boolean): Reply =>
  none ? no('The messages were expunged by another session', 'EXPUNGEISSUED') : ok(`${verb} completed; some messages were expunged meanwhile`, 'EXPUNGEISSUED');

export const fetch: Handler<'FETCH'> = {
  states: SELECTED,
  expungeAfter: false,
  async run(s, cmd) {
    const view = s.selected!;
    const store = s.deps.store;
    const account = s.account!;
    const { changedSince, vanished } = cmd.args;
    // RFC 7162 §3.2.6: VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC.
    if (vanished && (!cmd.uid || !s.qresync)) return bad(cmd.uid ? 'Issue ENABLE QRESYNC first' : 'VANISHED needs UID FETCH');
    const refused = cmd.uid ? null : view.seqSetError(cmd.args.set);
    if (refused !== null) return bad(refused);
    const named = cmd.uid ? view.uidsOfUidSet(cmd.args.set) : view.uidsOfSeqSet(cmd.args.set);
    // RFC 9394: PARTIAL pages through the messages the set names, in mailbox order.
    let uids = cmd.args.partial === undefined ? named : partialSlice(named, cmd.args.partial);
    let items: FetchItem[] = [...cmd.args.items];
    const has = (name: string): boolean => items.some((i) => i.item === name);
    // RFC 7162 §3.1: MODSEQ or CHANGEDSINCE enable CONDSTORE; CHANGEDSINCE implies MODSEQ (§3.1.4.1).
    if (changedSince !== undefined || has('MODSEQ')) await s.enableCondstore();
    if (changedSince !== undefined && !has('MODSEQ')) items.push({ item: 'MODSEQ' });
    if (changedSince !== undefined) {
      const since = toModSeq(changedSince);
      if (vanished) {
        const largest = Math.max(view.lastUid, view.mailbox.uidNext - 1);
        await sendVanishedEarlier(s, view, since, resolveSequenceSet(cmd.args.set, largest));
      }
      uids = await store.changedSince(view.mailbox.id, uids, since);
    }
    if (cmd.uid && !has('UID')) items.unshift({ item: 'UID' });
    if (fetchSetsSeen(items) && !view.readOnly) {
      const changed = await s.ownFlagChange(() => store.setFlags(account, view.mailbox.id, uids, 'add', ['\\Seen']));
      // RFC 9051 §6.4.5: the \Seen flag change is reported in the same FETCH response,
      if (changed.uids.length > 0 && !has('FLAGS')) items = [...items, { item: 'FLAGS' }];
      // with UID and MODSEQ once CONDSTORE is on (RFC 7162 §3.2.4).
      if (s.condstore && !has('UID')) items.unshift({ item: 'UID' });
      if (s.condstore && !has('MODSEQ')) items.push({ item: 'MODSEQ' });
    }
    if (items.every((i) => META_ONLY.has(i.item))) return fetchMeta(s, uids, items);
    const needsFile = fetchNeedsContent(items);
    const wantsPreview = items.some((i) => i.item === 'PREVIEW');
    const json = s.utf8 || !items.every((i) => NO_JSON.has(i.item));
    const withFlags = items.some((i) => i.item === 'FLAGS');
    // Neither asked for: the index rows are read without a join to the flag table.
    const flags = withFlags || items.some((i) => i.item === 'MODSEQ');
    const out = new Outbox(s);
    let missing = false;
    let sent = 0;
    for (let i = 0; i < uids.length; i += BATCH) {
      const batch = uids.slice(i, i + BATCH);
      const records = await store.messageRecords(view.mailbox.id, batch, { json, flags });
      if (records.length < Math.min(BATCH, uids.length - i)) missing = true;
      const previews = wantsPreview ? await store.previews(account, view.mailbox.id, batch) : null;
      for (const rec of records) {
        const seq = view.seqOf(rec.uid);
        if (seq === 0) continue;
        // The client hears of flag changes by others here, so that pending update is done.
        if (withFlags) view.told(rec.uid, rec.modSeq);
        let content: Buffer | null = null;
        // Not a spread copy: the record's envelope and body are parsed only when read.
        if (withFlags) rec.flags = s.flagsFor(rec.uid, rec.flags);
        const full = previews === null ? rec : Object.assign(rec, { preview: previews.get(rec.uid) ?? null });
        if (!needsFile) {
          const text = fetchItemsText(full, items, s.utf8);
          if (text !== null) {
            await out.addText(`* ${seq} FETCH ${text}\r\n`);
            sent++;
            continue;
          }
        }
        try {
          const data = await fetchItems(full, items, {
            utf8: s.utf8,
            loadContent: async () => {
              content ??= await store.readMessage(account, view.mailbox.id, rec.uid, rec.location);
              if (content === null) throw new Error('message file is gone');
              return content;
            },
          });
          await out.add(Buffer.from(`* ${seq} FETCH `), data, CRLF);
          sent++;
        } catch (e) {
          if (e instanceof FetchError) {
            await out.flush();
            return no(e.message, e.code);
          }
          if (!needsFile) throw e;
          missing = true;
        }
      }
      await out.flush();
    }
    if (missing) return expungeIssued('FETCH', sent === 0);
    return ok('FETCH completed');
  },
};
