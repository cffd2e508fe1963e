// APPENDs a client pipelines on one connection (mbsync, imapsync and Thunderbird send many with
// LITERAL+ without waiting for each answer). Each one's checks run in command order as it is
// read and its file write starts at once, while earlier ones are still being synced; index
// commits start in command order (so UIDs ascend in command order) and those ready together
// share one transaction; tagged answers go out in command order, each only once its message
// is durable and in the index. A failed APPEND gets its own NO and does not affect the others.
import type { AppendResult, PreparedAppend } from '../store/store.ts';
import { appendDone, startAppend, type StartedAppend } from './commands/append.ts';
import type { CommandOf, Reply } from './commands/types.ts';
import type { Session } from './session.ts';

/** APPENDs started and not yet answered, at most; the next one waits for all to be answered. */
const MAX_IN_FLIGHT = 64;
/** Bytes of messages started and not yet committed, at most (each is held in memory until its
 *  commit): past it the next APPEND waits too, so one client cannot pin 64 × APPENDLIMIT. */
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

export class AppendPipeline {
  private readonly s: Session;
  /** Settles once the newest APPEND's index commit has been started (or it failed before). */
  private commitStarted: Promise<void> = Promise.resolve();
  /** Settles once the newest APPEND's answer has been written. */
  private answered: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** Bytes of APPENDs started and not yet committed: the quota check counts them. */
  private pendingBytes = 0;

  constructor(s: Session) {
    this.s = s;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Resolves once every APPEND started has been answered. */
  async drain(): Promise<void> {
    while (this.inFlight > 0) await this.answered;
  }

  /** Starts an APPEND; resolves once the next command may be read (its answer comes later). */
  async add(cmd: CommandOf<'APPEND'>): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT || this.pendingBytes >= MAX_IN_FLIGHT_BYTES) await this.drain();
    this.inFlight++;
    let started: StartedAppend | Reply;
    try {
      started = await startAppend(this.s, cmd, () => this.pendingBytes);
    } catch (e) {
      started = this.s.commandFailed(cmd, e);
    }
    const committed = started !== undefined && 'prepared' in started ? this.commitInOrder(started) : null;
    const earlier = this.answered;
    this.answered = (async () => {
      let reply: Reply;
      try {
        reply = committed === null ? (started as Reply) : appendDone(await committed);
      } catch (e) {
        reply = this.s.commandFailed(cmd, e);
      }
      await earlier;
      try {
        await this.s.complete(cmd, reply, true);
      } finally {
        this.inFlight--;
      }
    })().catch((e: unknown) => {
      this.s.log.error({ event: 'imap.error', cmd: 'APPEND', err: (e as Error).message }, 'pipelined APPEND failed');
    });
  }

  /** The index commit, started once the files are durable and the previous one has started. */
  private commitInOrder(started: StartedAppend): Promise<AppendResult> {
    const previous = this.commitStarted;
    let markStarted!: () => void;
    this.commitStarted = new Promise<void>((resolve) => (markStarted = resolve));
    this.pendingBytes += started.bytes;
    const run = async (): Promise<AppendResult> => {
      let prepared: PreparedAppend;
      try {
        await previous;
        prepared = await started.prepared;
      } catch (e) {
        markStarted();
        throw e;
      }
      const commit = prepared.commit();
      markStarted();
      return commit;
    };
    const done = run().finally(() => {
      this.pendingBytes -= started.bytes;
    });
    done.catch(() => undefined); // answered through the promise returned
    return done;
  }
}
