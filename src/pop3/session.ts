// One POP3 connection: frames lines (LineReader), parses them (parser.ts), enforces the
// AUTHORIZATION → TRANSACTION → UPDATE state machine of RFC 1939 §3 once, runs the command
// handlers one at a time in the order received (RFC 2449 §6.6 PIPELINING), and writes with
// backpressure. The maildrop is released whenever the session ends; only QUIT in TRANSACTION
// state deletes anything (RFC 1939 §6).
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { StartTlsOptions } from '../tls/server-tls.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { newId, type Logger } from '../core/logger.ts';
import type { Account } from '../directory/directory.ts';
import { COMMANDS } from './commands/index.ts';
import type { Handler, Pop3State } from './commands/types.ts';
import { DotStuffer } from './dot-stuff.ts';
import { MAX_PENDING_LINES, WRITE_CHUNK } from './limits.ts';
import { LineReader, type LineEvent } from './line-reader.ts';
import type { DropMessage, Maildrop, MaildropProvider } from './maildrop.ts';
import { isParseError, parseCommand, type CommandName } from './parser.ts';

export type SessionDeps = {
  hostname: string;
  auth: Authenticator;
  maildrops: MaildropProvider;
  log: Logger;
  /** null: no STLS offered (the implicit-TLS listener). */
  tlsUpgrade: (() => StartTlsOptions) | null;
  /** RFC 1939 §3 autologout in TRANSACTION state. */
  idleTimeoutMs: number;
  /** The shorter timer before login (AUTHORIZATION state). */
  loginTimeoutMs: number;
  maxBadCommands: number;
  /** True when a connection from ip must not send a password in the clear. */
  treatAsRemote: (ip: string) => boolean;
};

/** The next client line continues an exchange in progress (AUTH PLAIN without initial response). */
export type LineWaiter = (line: string) => Promise<void>;

/** RFC 3206 / RFC 2449 §8 response codes we send. */
export type RespCode = 'AUTH' | 'IN-USE' | 'SYS/TEMP' | 'SYS/PERM';

export class Session {
  readonly id = newId();
  readonly deps: SessionDeps;
  readonly log: Logger;
  readonly ip: string;
  state: Pop3State = 'authorization';
  tls: boolean;
  /** The name given by USER, waiting for PASS. */
  user: string | null = null;
  account: Account | null = null;
  drop: Maildrop | null = null;
  /** Message numbers (1-based) marked by DELE; RSET clears them. */
  readonly deleted = new Set<number>();
  authWaiter: LineWaiter | null = null;
  readonly stats = { retrieved: 0, deleted: 0, bytesIn: 0, bytesOut: 0 };
  private socket: Socket;
  private readonly reader = new LineReader();
  private pending: LineEvent[] = [];
  private pumping = false;
  private paused = false;
  private closed = false;
  private finishing = false;
  private badCommands = 0;
  /** The expunge at QUIT, waited for before the maildrop is released. */
  private updating: Promise<void> | null = null;
  private finished: () => void = () => {};
  /** Resolves when the connection is gone and the maildrop released. */
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));
  private readonly onData = (chunk: Buffer): void => {
    this.stats.bytesIn += chunk.length;
    this.pending.push(...this.reader.push(chunk));
    if (this.pending.length > MAX_PENDING_LINES && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    void this.pump();
  };

  constructor(socket: Socket, deps: SessionDeps, tls: boolean) {
    this.socket = socket;
    this.deps = deps;
    this.tls = tls;
    this.ip = socket.remoteAddress ?? '';
    this.log = deps.log.child({ sid: this.id });
  }

  /** Like IMAP's LOGINDISABLED: no password in the clear from a remote address. */
  get loginAllowed(): boolean {
    return this.tls || !this.deps.treatAsRemote(this.ip);
  }

  get canStartTls(): boolean {
    return this.deps.tlsUpgrade !== null && !this.tls;
  }

  start(): void {
    this.attach(this.socket);
    this.socket.on('close', () => this.finish());
    // RFC 1939 §4: the greeting; no APOP timestamp, as APOP is not offered.
    this.write(`+OK ${this.deps.hostname} Mailhaven POP3 server ready\r\n`);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', (e) => this.log.debug({ event: 'pop3.socket', err: e.message }, 'socket error'));
    // RFC 1939 §3: the autologout timer closes the connection without entering UPDATE.
    socket.on('timeout', () => {
      this.write('-ERR Disconnected for inactivity\r\n');
      this.close();
    });
    socket.setTimeout(this.state === 'authorization' ? this.deps.loginTimeoutMs : this.deps.idleTimeoutMs);
  }

  // ---- output ----

  /** Queues bytes for the client; false when the socket wants a drain first. */
  private write(data: string | Buffer | readonly Buffer[]): boolean {
    if (this.closed || this.socket.destroyed) return true;
    let ok = true;
    for (const b of typeof data === 'string' || Buffer.isBuffer(data) ? [data] : data) {
      this.stats.bytesOut += Buffer.byteLength(b);
      ok = this.socket.write(b);
    }
    return ok;
  }

  /** Writes and resolves once the socket can take more (backpressure). */
  async send(data: string | Buffer | readonly Buffer[]): Promise<void> {
    if (this.write(data) || this.closed) return;
    const socket = this.socket;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    });
  }

  ok(text: string): Promise<void> {
    return this.send(text === '' ? '+OK\r\n' : `+OK ${text}\r\n`);
  }

  /** RFC 2449 §8: an extended response code in brackets right after -ERR. */
  err(text: string, code?: RespCode): Promise<void> {
    return this.send(code === undefined ? `-ERR ${text}\r\n` : `-ERR [${code}] ${text}\r\n`);
  }

  /** A multi-line response of short lines (CAPA, LIST, UIDL), dot-stuffed. */
  multiline(first: string, lines: readonly string[]): Promise<void> {
    const body = lines.map((l) => (l.startsWith('.') ? `.${l}\r\n` : `${l}\r\n`)).join('');
    return this.send(`+OK ${first}\r\n${body}.\r\n`);
  }

  /** "+OK first", then the first `length` bytes of message, dot-stuffed, in drained slices. */
  async sendMessage(first: string, message: Buffer, length: number): Promise<void> {
    await this.send(`+OK ${first}\r\n`);
    const stuffer = new DotStuffer();
    for (let off = 0; off < length && !this.closed; off += WRITE_CHUNK) {
      await this.send(stuffer.push(message.subarray(off, Math.min(off + WRITE_CHUNK, length))));
    }
    await this.send(stuffer.end());
  }

  // ---- the maildrop ----

  /** Message n (1-based) when it exists and is not marked deleted. */
  message(n: number): DropMessage | null {
    if (!this.drop || n < 1 || n > this.drop.messages.length || this.deleted.has(n)) return null;
    return this.drop.messages[n - 1];
  }

  /** STAT and RSET: count and octets of the messages not marked deleted. */
  totals(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    this.drop?.messages.forEach((m, i) => {
      if (this.deleted.has(i + 1)) return;
      count++;
      octets += m.size;
    });
    return { count, octets };
  }

  /** After a successful login: the maildrop is ours, TRANSACTION state begins. */
  enterTransaction(account: Account, drop: Maildrop): boolean {
    if (this.closed) {
      drop.release();
      return false;
    }
    this.account = account;
    this.drop = drop;
    this.state = 'transaction';
    this.socket.setTimeout(this.deps.idleTimeoutMs);
    this.log.debug({ event: 'pop3.maildrop', user: account.address, messages: drop.messages.length }, 'maildrop opened');
    return true;
  }

  /** RFC 1939 §6: QUIT in TRANSACTION state removes the marked messages. */
  async update(): Promise<void> {
    this.state = 'update';
    const drop = this.drop;
    if (!drop || this.deleted.size === 0) return;
    const uids = [...this.deleted].sort((a, b) => a - b).map((n) => drop.messages[n - 1].uid);
    const work = drop.expunge(uids);
    this.updating = work.catch(() => {});
    await work;
    this.stats.deleted = uids.length;
  }

  // ---- input ----

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.pending.length > 0 && !this.closed) {
        const ev = this.pending.shift()!;
        await this.handle(ev);
        if (this.paused && this.pending.length < MAX_PENDING_LINES / 4 && !this.closed) {
          this.paused = false;
          this.socket.resume();
        }
      }
    } catch (e) {
      this.log.error({ event: 'pop3.error', err: e }, 'command failed');
      this.write('-ERR [SYS/TEMP] Internal error\r\n');
      this.close();
    } finally {
      this.pumping = false;
    }
  }

  private async handle(ev: LineEvent): Promise<void> {
    const waiter = this.authWaiter;
    if (waiter) {
      this.authWaiter = null;
      if (ev.kind === 'too-long') return this.err('Authentication response too long');
      return waiter(ev.line.toString('utf8'));
    }
    if (ev.kind === 'too-long') return this.bad('Line too long');
    const cmd = parseCommand(ev.line);
    if (isParseError(cmd)) return this.bad(cmd.text);
    const handler = COMMANDS[cmd.name] as Handler<CommandName>;
    if (!handler.states.includes(this.state)) {
      const why = this.state === 'authorization' ? 'Not logged in' : 'Command not valid in this state';
      return this.bad(why);
    }
    await handler.run(this, cmd);
  }

  /** -ERR for a command we could not run; too many and the connection is closed. */
  private async bad(text: string): Promise<void> {
    this.badCommands++;
    if (this.badCommands >= this.deps.maxBadCommands) {
      this.write(`-ERR ${text}; too many bad commands, closing\r\n`);
      this.close();
      return;
    }
    await this.err(text);
  }

  // ---- STLS and the end ----

  /**
   * RFC 2595 §4: the handshake starts right after the +OK. Synchronous from the +OK to the
   * wrap, so the ClientHello reaches the TLS layer; bytes pipelined behind STLS are dropped.
   */
  startTls(): void {
    const upgrade = this.deps.tlsUpgrade;
    if (!upgrade) return;
    this.write('+OK Begin TLS negotiation\r\n');
    this.reader.clear();
    this.pending = [];
    // RFC 2595 §4: nothing learnt before the handshake carries over.
    this.user = null;
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.setTimeout(0);
    if (this.paused) {
      this.paused = false;
      plain.resume();
    }
    const secure = new TLSSocket(plain, upgrade());
    this.socket = secure;
    this.tls = true;
    this.attach(secure);
    secure.on('close', () => this.finish());
  }

  /** Ends the connection once what was written has been sent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    socket.end();
    // A client that stops reading must not keep the session alive.
    setTimeout(() => socket.destroy(), 5_000).unref();
  }

  private finish(): void {
    if (this.finishing) return;
    this.finishing = true;
    this.closed = true;
    this.socket.destroy();
    const drop = this.drop;
    void (this.updating ?? Promise.resolve()).then(() => {
      drop?.release();
      this.log.info(
        {
          event: 'pop3.session',
          ip: this.ip,
          user: this.account?.address,
          tls: this.tls,
          retrieved: this.stats.retrieved,
          deleted: this.stats.deleted,
          bytesIn: this.stats.bytesIn,
          bytesOut: this.stats.bytesOut,
        },
        'pop3 session closed',
      );
      this.finished();
    });
  }

  /** Server shutdown: the connection ends without UPDATE (nothing is deleted). */
  shutdown(): void {
    this.write('-ERR [SYS/TEMP] Server shutting down\r\n');
    this.close();
    this.socket.destroy();
  }
}
