// The main-thread side of the full-text index: queues additions and removals, sends them to
// the search worker in batches, and answers queries once everything queued before them is in.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/logger.ts';
import type { ParsedMessage } from '../../mime/parse-message.ts';
import { parseMessage } from '../../mime/parse-message.ts';
import { scanHeader } from '../../mime/header-block.ts';
import { decodedHeaderText, MAX_HEADER_TEXT_CHARS } from '../../mime/header-text.ts';
import type { SearchOp, SearchReply, SearchRequest, SearchScope } from './search-worker.ts';

export type { SearchScope } from './search-worker.ts';

/** What the index holds for one message: [head, body]. `prefix` is the per-recipient header
 *  lines the file has before the message (BODY[HEADER] shows them, so TEXT finds them). */
export function searchDocument(prefix: Buffer, parsed: ParsedMessage): [head: string, body: string] {
  if (prefix.length === 0) return [parsed.headerText, parsed.text];
  const lines = decodedHeaderText(prefix, scanHeader(prefix, 0, prefix.length));
  const head = lines === '' ? parsed.headerText : parsed.headerText === '' ? lines : lines + '\n' + parsed.headerText;
  return [head.length > MAX_HEADER_TEXT_CHARS ? head.slice(0, MAX_HEADER_TEXT_CHARS) : head, parsed.text];
}

/** searchDocument of a stored file whose message starts at dataOffset. */
export function fileDocument(file: Buffer, dataOffset: number): [head: string, body: string] {
  const offset = Math.min(file.length, dataOffset);
  return searchDocument(file.subarray(0, offset), parseMessage(file.subarray(offset)));
}

type RequestBody = SearchRequest extends infer R ? (R extends SearchRequest ? Omit<R, 'seq'> : never) : never;

const FLUSH_MS = 20;
const FLUSH_OPS = 500;

export class SearchIndex {
  private readonly worker: Worker;
  private readonly log: Logger;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private ops: SearchOp[] = [];
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private closed = false;

  constructor(file: string, log: Logger) {
    this.log = log;
    this.worker = new Worker(new URL('./search-worker.ts', import.meta.url), { workerData: { file } });
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

  add(id: number, [head, body]: [head: string, body: string]): void {
    if (head || body) this.push({ add: [id, head, body] });
  }

  remove(ids: number[]): void {
    if (ids.length) this.push({ remove: ids });
  }

  /** Highest message id whose text is indexed (the start-up catch-up starts after it). */
  async watermark(): Promise<number> {
    // Not waited for: the worker makes every change sent before it first.
    void this.flush();
    return this.request({ type: 'watermark' }) as Promise<number>;
  }

  /** Ids of messages whose header or body text ('text') or body text ('body') contains `query`
   *  (3 characters or more), after pending writes. */
  async search(query: string, scope: SearchScope): Promise<number[]> {
    // Sent ahead of the search, not waited for: the worker answers from the index and the
    // changes it has not made yet (a backlog after a fast upload is searched, not awaited).
    void this.flush();
    return this.request({ type: 'search', query, scope }) as Promise<number[]>;
  }

  /** Sends what is queued; resolves when the worker has committed it (which it may put off
   *  for a moment while too few changes wait, see search-worker.ts). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ops.length === 0) return Promise.resolve();
    const ops = this.ops;
    this.ops = [];
    // Sent at once even when the worker is behind: it queues them (search-worker.ts), and the
    // texts are copied to it a few at a time rather than all at once when a client searches.
    const done = this.request({ type: 'batch', ops }) as Promise<void>;
    done.catch((e: Error) => this.log.error({ event: 'search.error', err: e.message }, 'search index batch failed'));
    return done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    void this.flush().catch(() => undefined); // made before the close, which is answered after it
    await this.request({ type: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private push(op: SearchOp): void {
    if (this.closed) return;
    this.ops.push(op);
    if (this.ops.length >= FLUSH_OPS) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private request(req: RequestBody): Promise<unknown> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      // Keep the process alive while an answer is due, and only then.
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ ...req, seq } as SearchRequest);
    });
  }
}
