/**
 * A server under test — started on a loopback port with fresh directories — and the set of
 * those running now, which a signal (Ctrl-C) stops.
 */

/** A server under test, started on a loopback port with fresh directories. */
export interface Server {
  readonly port: number;
  /** Its run directory (configuration, data, logs). */
  readonly dir: string;
  /** Throws if the server has died. */
  assertAlive(): void;
  /** Peak resident set of the server's main process, in KiB, if known. */
  peakRssKiB(): number | undefined;
  /** The last lines of its log, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

/** A server that delivers into a Maildir: `maildirNew` is the mailbox's new/ directory. */
export interface MaildirServer extends Server {
  readonly maildirNew: string;
}

/** The one mailbox a benchmark delivers to or reads from. */
export interface Mailbox {
  readonly domain: string;
  readonly user: string;
  /** user@domain */
  readonly address: string;
}

/** Servers running now, so that an interrupt (Ctrl-C) still stops them. */
export class RunningServers {
  readonly #servers = new Set<Server>();
  #interrupted = false;

  /** True once a signal has arrived: start no more runs. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  add(server: Server): void {
    this.#servers.add(server);
  }

  delete(server: Server): void {
    this.#servers.delete(server);
  }

  /**
   * On SIGINT/SIGTERM/SIGHUP: mark the benchmark interrupted and stop the servers under test;
   * the run in progress then fails (its load generator loses the server) and its cleanup
   * removes its directory. A second signal exits at once.
   */
  stopOnSignals(): void {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        if (this.#interrupted) process.exit(130);
        this.#interrupted = true;
        console.error(`\n${sig}: stopping the servers under test`);
        for (const server of this.#servers) void server.stop();
      });
    }
  }
}
