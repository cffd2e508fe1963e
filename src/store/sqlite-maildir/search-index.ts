// The main-thread side of the full-text index: queues additions and removals, sends them to
// the search worker in batches, and answers queries once everything queued before them is in.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/logger.ts';
import { parseNumberList } from './number-list.ts';
import type { SearchDoc } from './search-document.ts';
import type { SearchHits, SearchOp, SearchReply, SearchRequest, SearchScope } from './search-worker.ts';

export type { SearchHits, SearchScope } from './search-worker.ts';

/** Where a message's text can be read again: its file, and where the message starts in it. */
export type StoredText = { file: string; offset: number };

type RequestBody = SearchRequest extends infer R ? (R extends SearchRequest ? Omit<R, 'seq'> : never) : never;

/** The index thread's young generation, in MB (see the constructor). */
const YOUNG_MB = 24;

const FLUSH_MS = 20;
const FLUSH_OPS = 500;

/**
 * Texts sent to the worker and not yet indexed, at most (a few MB). Past it, an addition sends
 * only where its file is and the worker reads it when it comes to it: a pipelined upload that
 * outruns the indexing (as it can on two CPUs, the index thread running at nice 19) leaves a
 * backlog of paths, not of texts, and memory stays flat however long it lasts.
 */
const MAX_TEXTS = 2000;

export class SearchIndex {
  private readonly worker: Worker;
  private readonly log: Logger;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private ops: SearchOp[] = [];
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private closed = false;
  /** Texts sent (or queued to be) and not yet acknowledged as indexed. */
  private textsOut = 0;
  private readonly maxTexts: number;
  /** Searches wait for it: the start-up catch-up, until it has queued what the index lacks. */
  private held: Promise<unknown> = Promise.resolve();

  constructor(file: string, log: Logger, opts: { maxTexts?: number } = {}) {
    this.log = log;
    this.maxTexts = opts.maxTexts ?? MAX_TEXTS;
    // Its young generation capped: parsing and indexing allocate fast, and V8 would otherwise grow
    // it to 128 MB under a long upload, for no gain in speed measured.
    this.worker = new Worker(new URL('./search-worker.ts', import.meta.url), { workerData: { file }, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } });
    this.worker.on('message', (r: SearchReply) => {
      const w = this.waiting.get(r.seq);
      if (!w) return;
      this.waiting.delete(r.seq);
      if (this.waiting.size === 0) this.worker.unref();
      if (r.ok) w.resolve(r.value);
      else w.reject(new Error(r.error));
    });
    this.worker.on('error', (e) => {
      this.log.error({ event: 'search.error', err: e.message }, 'search index worker failed');
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
    this.worker.unref();
  }

  /**
   * Indexes message `id`: from its text when one is given and the worker is not far behind,
   * otherwise from its file (`doc` is only called when the text is used).
   */
  add(id: number, where: StoredText, doc?: () => SearchDoc): void {
    if (doc !== undefined && this.textsOut < this.maxTexts) {
      const [head, body, partial] = doc();
      if (head || body) {
        this.textsOut++;
        this.push({ add: partial === true ? [id, head, body, true] : [id, head, body] });
      }
    } else this.push({ file: [id, where.file, where.offset] });
  }

  remove(ids: number[]): void {
    if (ids.length) this.push({ remove: ids });
  }

  /** The ids of the messages indexed, ascending, once every change sent before is made. */
  async indexed(): Promise<Float64Array> {
    // Not waited for: the worker makes every change sent before it first.
    void this.flush();
    return parseNumberList((await this.request({ type: 'indexed' })) as string);
  }

  /**
   * Brings the index in line with the messages that exist (`ids`, ascending, read when the
   * highest id given was `top`): what it lacks (a crash, a stop with a backlog, a new
   * search.db) is read from the files `locate` names, by the worker; what it holds for
   * messages gone is removed. Ids past `top` are messages stored since the read (the server
   * already takes mail): left alone. Returns the counts.
   */
  async catchUp(ids: Float64Array, top: number, locate: (ids: number[]) => Map<number, StoredText>): Promise<{ missing: number; stale: number }> {
    const held = await this.indexed();
    const missing: number[] = [];
    const stale: number[] = [];
    let i = 0;
    let j = 0;
    while (i < ids.length || j < held.length) {
      if (j >= held.length || (i < ids.length && ids[i] < held[j])) missing.push(ids[i++]);
      else if (i >= ids.length || held[j] < ids[i]) {
        if (held[j] <= top) stale.push(held[j]);
        j++;
      } else {
        i++;
        j++;
      }
    }
    this.remove(stale);
    for (let k = 0; k < missing.length; k += LOCATE_BATCH) {
      const found = locate(missing.slice(k, k + LOCATE_BATCH));
      for (const [id, where] of found) this.add(id, where);
    }
    return { missing: missing.length, stale: stale.length };
  }

  /** Makes searches wait until `until` settles (see `held`). */
  holdSearches(until: Promise<unknown>): void {
    this.held = until;
  }

  /** Ids of messages whose header or body text ('text') or body text ('body') contains `query`
   *  (3 characters or more), after pending writes; and those the index holds only in part. */
  async search(query: string, scope: SearchScope): Promise<SearchHits> {
    await this.held;
    // Sent ahead of the search, not waited for: the worker answers from the index and the
    // changes it has not made yet (a backlog after a fast upload is searched, not awaited).
    void this.flush();
    return this.request({ type: 'search', query, scope }) as Promise<SearchHits>;
  }

  /** Sends what is queued; resolves when the worker has committed it (which it may put off
   *  for a moment while too few changes wait, see search-worker.ts). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ops.length === 0) return Promise.resolve();
    const ops = this.ops;
    this.ops = [];
    let texts = 0;
    for (const op of ops) if ('add' in op) texts++;
    // Sent at once even when the worker is behind: it queues them (search-worker.ts), and the
    // texts are copied to it a few at a time rather than all at once when a client searches.
    const done = this.request({ type: 'batch', ops }) as Promise<void>;
    const settled = (): void => {
      this.textsOut -= texts;
    };
    done.then(settled, (e: Error) => {
      settled();
      this.log.error({ event: 'search.error', err: e.message }, 'search index batch failed');
    });
    return done;
  }

  /**
   * Closes the index. `drain`: after every change sent is made (a CLI command that adopted
   * files). Otherwise the additions still queued are dropped (a server stopping after a large
   * upload does not index for minutes first): the next start's catchUp finds them missing.
   */
  async close(drain = true): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    void this.flush().catch(() => undefined); // sent before the close
    await this.request({ type: 'close', drain }).catch(() => undefined);
    await this.worker.terminate();
    // Nothing can answer now: what still waits (a catch-up's question) fails rather than hangs.
    const gone = new Error('search index closed');
    for (const w of this.waiting.values()) w.reject(gone);
    this.waiting.clear();
  }

  private push(op: SearchOp): void {
    if (this.closed) return;
    this.ops.push(op);
    if (this.ops.length >= FLUSH_OPS) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private request(req: RequestBody): Promise<unknown> {
    if (this.closed && req.type !== 'close' && req.type !== 'batch') return Promise.reject(new Error('search index closed'));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      // Keep the process alive while an answer is due, and only then.
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ ...req, seq } as SearchRequest);
    });
  }
}

/** Ids located per query in a catch-up. */
const LOCATE_BATCH = 500;
