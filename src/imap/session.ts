// One IMAP connection: reads commands through the pure CommandReader/parser, enforces the
// state machine once (RFC 9051 §3), runs the command handlers one at a time, and writes
// responses with backpressure. Changes from the ChangeBus are queued in the MailboxView and
// told to the client only when RFC 9051 §7.5.1 allows.
import { isLoopback } from '../core/net.ts';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { StartTlsOptions } from '../tls/server-tls.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { newId, type Logger } from '../core/logger.ts';
import type { Account } from '../directory/directory.ts';
import { MailboxError, type AccountRef, type ChangeBus, type FlagChange, type MailboxChange, type MessageStore } from '../store/store.ts';
import type { Command, CommandName } from './ast.ts';
import { capabilityList } from './capabilities.ts';
import { COMMANDS } from './commands/index.ts';
import { checkQuota } from './commands/quota-check.ts';
import { refreshContexts, removeExpunged } from './search-contexts.ts';
import type { CommandOf, Handler, Reply, SessionState } from './commands/types.ts';
import type { Limits } from './limits.ts';
import type { MailboxView } from './mailbox-view.ts';
import type { Notifier } from './notify.ts';
import { isParseError, parseCommand } from './parser.ts';
import { CommandReader, type ReaderEvent } from './reader.ts';
import { MAX_DISCARDED_INFLATED, startDeflate, type DeflateLayer } from './deflate-layer.ts';
import { AppendPipeline } from './append-pipeline.ts';
import { continuation, statusLine } from './response.ts';
import { formatNumberSet } from './seqset.ts';
import { SYSTEM_FLAGS } from './commands/select.ts';

export type SessionDeps = {
  store: MessageStore;
  bus: ChangeBus;
  auth: Authenticator;
  /** The account's quota (bytes, 0 = none) as it is now. */
  quotaOf: (accountId: number) => Promise<number>;
  log: Logger;
  /** null: no STARTTLS offered. */
  tlsUpgrade: (() => StartTlsOptions) | null;
  limits: Limits;
  /** RFC 9051 §5.4: at least 30 minutes once logged in. */
  idleTimeoutMs: number;
  /** Before login: much shorter. */
  preAuthTimeoutMs: number;
  maxBadCommands: number;
  /** The server's name in IMAP URLs (URLAUTH, RFC 4467); without it URLAUTH is off. */
  hostname?: string;
  /** Another account of this server by address, for URLFETCH of its URLAUTH URLs. */
  accountOf?: (address: string) => Promise<AccountRef | null>;
};

/** An exchange in progress that the next client line continues (AUTHENTICATE). */
export type LineWaiter = (line: string) => Promise<void>;


export class Session {
  readonly id = newId();
  readonly deps: SessionDeps;
  readonly log: Logger;
  readonly ip: string;
  readonly reader: CommandReader;
  state: SessionState = 'not-authenticated';
  account: Account | null = null;
  selected: MailboxView | null = null;
  /** IMAP4rev2 enabled (RFC 9051 §6.3.1). */
  rev2 = false;
  utf8 = false;
  /** RFC 7162 §3.1: a CONDSTORE enabling command was seen: FETCH responses with FLAGS carry
   *  UID and MODSEQ from now on (see enableCondstore). */
  condstore = false;
  /** RFC 7162 §3.2.3: ENABLE QRESYNC was answered: VANISHED replaces EXPUNGE. */
  qresync = false;
  tls: boolean;
  /** Set by IDLE: the tag to complete when DONE comes. */
  idleTag: string | null = null;
  authWaiter: LineWaiter | null = null;
  /** NOTIFY SET in force (RFC 5465), or null: only the usual updates. */
  notifier: Notifier | null = null;
  /** The command being run, while it runs. */
  running: Command | null = null;
  private socket: Socket;
  /** Where commands come from and responses go: the socket, or the DEFLATE layer on it. */
  private input: Readable;
  private output: Writable;
  /** COMPRESS=DEFLATE (RFC 4978) is active. */
  private deflate: DeflateLayer | null = null;
  private pumping = false;
  private closed = false;
  private badCommands = 0;
  private stats = { commands: 0, bytesIn: 0, bytesOut: 0 };
  private unsubscribe: (() => void) | null = null;
  /** Flag changes published while this session makes its own (see ownFlagChange). */
  private capturing: MailboxChange[] | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Pipelined APPENDs in progress: every other event waits until they are answered. */
  private readonly appends = new AppendPipeline(this);
  private readonly onData = (chunk: Buffer): void => {
    this.stats.bytesIn += chunk.length;
    this.reader.feed(chunk);
    void this.pump();
  };

  constructor(socket: Socket, deps: SessionDeps, tls: boolean) {
    this.socket = socket;
    this.input = socket;
    this.output = socket;
    this.deps = deps;
    this.tls = tls;
    this.ip = socket.remoteAddress ?? '';
    this.log = deps.log.child({ sid: this.id });
    this.reader = new CommandReader({ limits: deps.limits });
    this.reader.preAuth = true; // small literals until login (reader.ts, PRE_AUTH_LITERAL_BYTES)
  }

  get loginAllowed(): boolean {
    return this.tls || isLoopback(this.ip);
  }

  get canStartTls(): boolean {
    return this.deps.tlsUpgrade !== null && !this.tls;
  }

  capabilities(): string {
    return capabilityList({
      authenticated: this.state !== 'not-authenticated',
      tls: this.tls,
      starttls: this.deps.tlsUpgrade !== null,
      loginAllowed: this.loginAllowed,
      appendLimit: this.deps.limits.appendLimit,
      urlauth: this.deps.hostname !== undefined,
    });
  }

  start(): void {
    this.attach(this.socket);
    this.socket.on('close', () => this.finish());
    this.write(statusLine('*', 'OK', 'Mailhaven ready', `CAPABILITY ${this.capabilities()}`));
  }

  /** Response bytes written but not yet taken by the socket. */
  get pendingOutput(): number {
    return this.output.writableLength + (this.output === this.socket ? 0 : this.socket.writableLength);
  }

  get compressed(): boolean {
    return this.deflate !== null;
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', (e) => this.log.debug({ event: 'imap.socket', err: e.message }, 'socket error'));
    socket.setTimeout(this.state === 'not-authenticated' ? this.deps.preAuthTimeoutMs : this.deps.idleTimeoutMs, () => {
      this.bye('Autologout; idle for too long');
    });
  }

  // ---- output ----

  /** Queues bytes for the client; use send() to wait for the socket to drain. */
  write(data: Buffer | readonly Buffer[]): boolean {
    if (this.closed || this.socket.destroyed) return true;
    let ok = true;
    for (const b of Array.isArray(data) ? data : [data as Buffer]) {
      this.stats.bytesOut += b.length;
      ok = this.output.write(b);
    }
    this.deflate?.flushSoon();
    return ok;
  }

  /** Writes and resolves once the socket can take more (backpressure). */
  async send(data: Buffer | readonly Buffer[]): Promise<void> {
    if (this.write(data) || this.closed) return;
    const out = this.output;
    const socket = this.socket;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      out.once('drain', done);
      socket.once('close', done);
    });
  }

  untagged(text: string): Promise<void> {
    return this.send(Buffer.from(`* ${text}\r\n`, 'utf8'));
  }

  bye(text: string): void {
    if (this.closed) return;
    this.write(statusLine('*', 'BYE', text));
    this.state = 'logout';
    // Nothing more is read: a client ignoring the BYE (a deflate bomb still streaming) must not
    // have its bytes inflated and buffered until the socket is destroyed.
    this.input.pause();
    this.endOutput();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  // ---- input ----

  /** Runs `fn` after everything queued before it: commands and IDLE pushes never interleave. */
  serial(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const socket = this.socket;
    const input = this.input;
    input.pause();
    try {
      while (!this.closed && this.state !== 'logout') {
        const ev = this.reader.next();
        if (ev === undefined) {
          // After inflation a few bytes can stand for gigabytes: a command the reader is
          // throwing away (over a limit) is drained up to a cap, beyond it the connection ends.
          if (this.deflate !== null && this.reader.discarding && this.reader.discardedBytes > MAX_DISCARDED_INFLATED) {
            this.bye('Command over the size limits after decompression');
          }
          break;
        }
        await this.serial(() => this.onEvent(ev));
      }
    } catch (e) {
      this.log.error({ event: 'imap.error', err: (e as Error).message, stack: (e as Error).stack }, 'session failed');
      this.bye('Internal error');
    } finally {
      this.pumping = false;
      if (!this.closed && this.state !== 'logout') this.input.resume();
    }
    // Bytes may have arrived for the new socket (after STARTTLS or COMPRESS) while we were busy.
    if (!this.closed && (this.socket !== socket || this.input !== input) && this.reader.buffered > 0) void this.pump();
  }

  private async onEvent(ev: ReaderEvent): Promise<void> {
    if (ev.type === 'command') {
      const parsed = parseCommand(ev.command, { utf8: this.utf8, limits: this.deps.limits });
      if (!isParseError(parsed) && parsed.name === 'APPEND' && this.canPipeline(parsed)) {
        this.stats.commands++;
        this.log.trace({ event: 'imap.command', tag: parsed.tag, cmd: 'APPEND' }, 'command');
        await this.appends.add(parsed);
        return;
      }
      if (this.appends.busy) await this.appends.drain();
      return this.onCommand(parsed);
    }
    if (this.appends.busy) await this.appends.drain();
    return this.onOtherEvent(ev);
  }

  /**
   * An APPEND may start before the APPENDs ahead of it are answered when nothing else can
   * write to the client meanwhile (no IDLE, no NOTIFY) and it names no other messages (CATENATE).
   */
  private canPipeline(cmd: CommandOf<'APPEND'>): boolean {
    return (this.state === 'authenticated' || this.state === 'selected') && this.notifier === null && this.idleTag === null &&
      cmd.args.messages.every((m) => m.catenate === undefined);
  }

  private async onCommand(parsed: ReturnType<typeof parseCommand>): Promise<void> {
    if (isParseError(parsed)) {
      if (parsed.error === 'BAD') this.countBad();
      if (parsed.resetSaved === true && this.selected) this.selected.savedResult = [];
      await this.send(statusLine(parsed.tag, parsed.error, parsed.text, parsed.code));
      return;
    }
    // "running" lasts through the final flush: NOTIFY sends no FETCH for messages the
    // command added itself (RFC 5465 §5.2) and no event for its own changes (§5).
    this.running = parsed;
    try {
      await this.dispatch(parsed);
    } finally {
      this.running = null;
    }
  }

  private async onOtherEvent(ev: Exclude<ReaderEvent, { type: 'command' }>): Promise<void> {
    switch (ev.type) {
      case 'continue':
        if (this.state === 'not-authenticated' && ev.name !== 'LOGIN' && ev.name !== 'AUTHENTICATE') {
          this.reader.reject();
          this.countBad();
          await this.send(statusLine(ev.tag, 'BAD', 'Log in first'));
          return;
        }
        // APPEND: refuse a message the quota has no room for before the client sends it
        // (APPENDLIMIT itself is checked by the reader, from the same announced size).
        if ((ev.name === 'APPEND' || ev.name === 'REPLACE') && this.account !== null) {
          const refusal = await checkQuota(this, ev.size).then(() => null, (e: unknown) => e);
          if (refusal !== null) {
            this.reader.reject();
            if (!(refusal instanceof MailboxError)) throw refusal;
            await this.send(statusLine(ev.tag, 'NO', refusal.message, refusal.code));
            return;
          }
        }
        this.reader.accept();
        await this.send(continuation('Ready for literal data'));
        return;
      case 'error':
        if (ev.status === 'BAD') this.countBad();
        await this.send(statusLine(ev.tag, ev.status, ev.text, ev.code));
        if (ev.fatal === true) this.bye('Literal too large to read');
        return;
      case 'idle-done': {
        const tag = this.idleTag;
        this.idleTag = null;
        if (tag === null) return;
        if (this.selected) await this.flushUpdates(true);
        await this.send(ev.ok ? statusLine(tag, 'OK', 'IDLE terminated') : statusLine(tag, 'BAD', 'Expected DONE'));
        return;
      }
      case 'auth-response': {
        const waiter = this.authWaiter;
        this.authWaiter = null;
        if (waiter) await waiter(ev.line);
        return;
      }
    }
  }

  /** Bad commands in a row: a command answered OK or NO starts the count again, as in Dovecot,
   *  so a client (or a test suite) that errs now and then is not cut off, and one that sends
   *  nothing but garbage is. */
  private countBad(): void {
    if (++this.badCommands >= this.deps.maxBadCommands) this.bye('Too many invalid commands');
  }

  private async dispatch(cmd: Command): Promise<void> {
    this.stats.commands++;
    // The protocol trace names commands only: arguments may hold passwords.
    this.log.trace({ event: 'imap.command', tag: cmd.tag, cmd: cmd.uid ? `UID ${cmd.name}` : cmd.name }, 'command');
    const handler = COMMANDS[cmd.name] as Handler<CommandName> | undefined;
    if (handler === undefined) {
      this.countBad();
      await this.send(statusLine(cmd.tag, 'BAD', `${cmd.name} is not supported`));
      return;
    }
    if (!handler.states.includes(this.state)) {
      this.countBad();
      // A command of the not-authenticated state only (LOGIN, AUTHENTICATE, STARTTLS) once logged in.
      const why =
        this.state === 'not-authenticated' ? 'Log in first' : !handler.states.includes('selected') ? 'Already logged in' : 'No mailbox selected';
      await this.send(statusLine(cmd.tag, 'BAD', why));
      return;
    }
    let reply: Reply;
    try {
      reply = await handler.run(this, cmd as CommandOf<CommandName>);
    } catch (e) {
      reply = this.commandFailed(cmd, e);
    }
    await this.complete(cmd, reply, handler.expungeAfter !== false);
  }

  /** The answer to a command that threw: NO with the store's code, or NO [SERVERBUG] (logged). */
  commandFailed(cmd: Command, e: unknown): Reply {
    if (e instanceof MailboxError) return { status: 'NO', code: e.code, text: e.message };
    this.log.error({ event: 'imap.error', cmd: cmd.name, err: (e as Error).message, stack: (e as Error).stack }, 'command failed');
    return { status: 'NO', code: 'SERVERBUG', text: 'Internal error' };
  }

  /** The end of a command: pending updates the moment allows (RFC 9051 §7.5.1), then its tagged answer. */
  async complete(cmd: Command, reply: Reply, allowExpunge: boolean): Promise<void> {
    if (reply === undefined) return;
    if (reply.status === 'BAD') this.countBad();
    else this.badCommands = 0;
    if (this.selected && this.state === 'selected') await this.flushUpdates(allowExpunge);
    if (this.state === 'logout' && cmd.name !== 'LOGOUT') return;
    await this.send(statusLine(cmd.tag, reply.status, reply.text, reply.code));
    if (cmd.name === 'LOGOUT') this.endOutput();
  }

  // ---- authentication and mailbox changes ----

  loggedIn(account: Account): void {
    this.account = account;
    this.state = 'authenticated';
    this.reader.preAuth = false;
    this.socket.setTimeout(this.deps.idleTimeoutMs);
    this.unsubscribe = this.deps.bus.subscribe(account.id, (c) => this.onChange(c));
  }

  /**
   * UNAUTHENTICATE (RFC 8437 §3): back to the not-authenticated state with nothing of the
   * user's kept (selection, ENABLEd extensions, change subscription); TLS and COMPRESS stay.
   */
  loggedOut(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.selected = null;
    this.account = null;
    this.rev2 = false;
    this.utf8 = false;
    this.condstore = false;
    this.qresync = false;
    this.notifier = null;
    this.state = 'not-authenticated';
    this.reader.preAuth = true; // UNAUTHENTICATE: back to the pre-login literal limits
    this.socket.setTimeout(this.deps.preAuthTimeoutMs);
  }

  private onChange(c: MailboxChange): void {
    this.notifier?.onChange(c);
    const view = this.selected;
    if (!view || c.mailboxId !== view.mailbox.id) return;
    if (view.contexts) view.contexts.dirty = true;
    if (c.kind === 'exists') view.pendingExists = true;
    else if (c.kind === 'expunge') view.noteExpunge(c.uids, c.modSeq);
    else if (c.kind === 'flags') {
      if (this.capturing !== null) this.capturing.push(c);
      else for (const u of c.uids) view.pendingFlags.add(u);
    }
    // A rename keeps the mailbox id and its messages: the selection goes on, as in Dovecot.
    else if (c.kind === 'mailbox' && c.what === 'deleted') view.gone = true;
    // RFC 2177: an IDLE client hears about changes at once. With NOTIFY, what it asked for
    // decides, in IDLE or not (RFC 5465 §4, §6.1); SELECTED-DELAYED keeps EXPUNGEs for later.
    const mode = this.notifier !== null ? this.notifier.selectedMode : this.idleTag !== null ? 'selected' : null;
    if (mode !== null) void this.serial(() => this.flushUpdates(mode === 'selected' || this.idleTag !== null));
  }

  /**
   * Runs a flag change of this session's own (STORE, FETCH setting \Seen): its client hears of
   * it in the command's answer (or asked for silence), so the change is not queued as pending
   * like changes by others. Returns the change.
   */
  async ownFlagChange(fn: () => Promise<FlagChange>): Promise<FlagChange> {
    const caught: MailboxChange[] = [];
    this.capturing = caught;
    let mine = 0;
    try {
      const change = await fn();
      mine = change.modSeq;
      // A change by others still pending for the same messages is now older than what it told.
      if (mine > 0) this.selected?.toldChange(mine);
      return change;
    } finally {
      this.capturing = null;
      const view = this.selected;
      for (const c of caught) if (view && c.kind === 'flags' && c.modSeq !== mine) for (const u of c.uids) view.pendingFlags.add(u);
    }
  }

  /**
   * A CONDSTORE enabling command (RFC 7162 §3.1): from now on FETCH responses with FLAGS carry
   * UID and MODSEQ. The first one with a mailbox selected tells its HIGHESTMODSEQ (§3.1.2.1).
   */
  async enableCondstore(): Promise<void> {
    if (this.condstore) return;
    this.condstore = true;
    const view = this.selected;
    if (!view) return;
    const mb = await this.deps.store.getMailbox(view.mailbox.accountId, view.mailbox.name);
    if (mb && mb.id === view.mailbox.id) await this.untagged(`OK [HIGHESTMODSEQ ${mb.highestModSeq}] Highest`);
  }

  /**
   * Removes expunged UIDs from the view and tells the client: VANISHED once QRESYNC is enabled
   * (RFC 7162 §3.2.10.2, only UIDs the client knows), else EXPUNGE, highest sequence number first.
   */
  async announceExpunged(uids: Iterable<number>): Promise<void> {
    const view = this.selected;
    if (!view) return;
    const recent = this.rev2 ? 0 : view.recentCount;
    if (this.qresync) {
      const known = [...uids].filter((u) => view.seqOf(u) > 0).sort((a, b) => a - b);
      if (known.length === 0) return;
      view.removeMany(known);
      await this.untagged(`VANISHED ${formatNumberSet(known)}`);
    } else {
      const seqs = view.removeMany(uids);
      if (seqs.length === 0) return;
      await this.send(Buffer.from(seqs.map((n) => `* ${n} EXPUNGE\r\n`).join('')));
    }
    // RFC 3501 §7.3.2: RECENT follows a change of the mailbox's size, expunges too (as Dovecot).
    if (!this.rev2 && view.recentCount !== recent) await this.untagged(`${view.recentCount} RECENT`);
  }

  /**
   * Before FETCH responses with `flags`: keywords the client has not seen in FLAGS yet get a new
   * FLAGS response and PERMANENTFLAGS (RFC 9051 §7.3.5: the client records the update), as
   * Dovecot sends them when a session stores a keyword new to the mailbox.
   */
  async tellKeywords(flags: Iterable<string>): Promise<void> {
    const view = this.selected;
    if (!view) return;
    let fresh = false;
    for (const f of flags) {
      if (f.startsWith('\\') || view.keywords.has(f.toLowerCase())) continue;
      view.keywords.set(f.toLowerCase(), f);
      fresh = true;
    }
    if (!fresh) return;
    const list = [...SYSTEM_FLAGS, ...view.keywords.values()].join(' ');
    await this.untagged(`FLAGS (${list})`);
    if (!view.readOnly) await this.untagged(`OK [PERMANENTFLAGS (${list} \\*)] Flags permitted`);
  }

  /** Tells the client what changed in the selected mailbox (RFC 9051 §7.5.1 moments only). */
  async flushUpdates(allowExpunge: boolean): Promise<void> {
    const view = this.selected;
    if (!view) return;
    const store = this.deps.store;
    if (view.gone) {
      this.bye('Selected mailbox was deleted or renamed, have to disconnect');
      return;
    }
    if (allowExpunge && view.pendingExpunge.size > 0) {
      await removeExpunged(this, view.pendingExpunge);
      const gone = [...view.pendingExpunge];
      view.expungesTold();
      await this.announceExpunged(gone);
    }
    if (view.pendingExists) {
      view.pendingExists = false;
      const fresh = (await store.listMessages(view.mailbox.id, view.lastUid)).filter((m) => !view.pendingExpunge.has(m.uid));
      if (fresh.length > 0) {
        view.addMany(fresh.map((m) => m.uid));
        // RFC 3501 §2.3.2: new messages are \Recent in the first session that hears of them.
        if (!view.readOnly && !this.rev2) {
          const r = await store.claimRecent(view.mailbox.id);
          view.addRecent(r.from, r.to);
        }
        await this.untagged(`${view.exists} EXISTS`);
        if (!this.rev2) await this.untagged(`${view.recentCount} RECENT`);
        await this.notifier?.newMessages(fresh.map((m) => m.uid));
      }
    }
    if (view.pendingFlags.size > 0) {
      const uids = [...view.pendingFlags].sort((a, b) => a - b);
      view.pendingFlags.clear();
      const out: Buffer[] = [];
      for (const m of await store.messageMetas(view.mailbox.id, uids)) {
        if (view.knows(m.uid, m.modSeq)) continue;
        const seq = view.seqOf(m.uid);
        if (seq === 0) continue;
        await this.tellKeywords(m.flags);
        const modSeq = this.condstore ? ` MODSEQ (${m.modSeq})` : '';
        out.push(Buffer.from(`* ${seq} FETCH (UID ${m.uid} FLAGS (${this.flagsFor(m.uid, m.flags).join(' ')})${modSeq})\r\n`));
      }
      if (out.length > 0) await this.send(out);
    }
    if (view.pendingFlags.size === 0) view.settled();
    await refreshContexts(this);
    // RFC 7162 §3.2: the client may have seen MODSEQs above an expunge it has not heard of yet;
    // a lower HIGHESTMODSEQ keeps it from skipping that expunge if the connection drops now.
    if (!allowExpunge && this.condstore && view.pendingExpungeModSeq > 0) {
      await this.untagged(`OK [HIGHESTMODSEQ ${view.pendingExpungeModSeq - 1}] Expunges pending`);
    }
  }

  /** Flags as the client sees them: \Recent added for IMAP4rev1 sessions. */
  flagsFor(uid: number, flags: readonly string[]): string[] {
    return !this.rev2 && this.selected?.isRecent(uid) ? [...flags, '\\Recent'] : [...flags];
  }

  // ---- STARTTLS and the end ----

  /** Switches the connection to TLS; bytes the client pipelined before are dropped. */
  startTls(): void {
    const upgrade = this.deps.tlsUpgrade;
    if (!upgrade) return;
    this.reader.takeBuffered();
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.setTimeout(0);
    const secure = new TLSSocket(plain, upgrade());
    this.socket = secure;
    this.input = secure;
    this.output = secure;
    this.tls = true;
    this.attach(secure);
    secure.on('close', () => this.finish());
  }

  /**
   * COMPRESS=DEFLATE (RFC 4978 §3): called right after the tagged OK is written. Responses are
   * deflated from here on; bytes the client sent behind the command are already compressed.
   */
  startCompression(): void {
    const layer = startDeflate(this.socket, (e) => {
      this.log.debug({ event: 'imap.compress', err: e.message }, 'invalid compressed data');
      this.bye('Invalid compressed data');
    });
    this.deflate = layer;
    this.socket.off('data', this.onData);
    this.socket.on('data', (chunk: Buffer) => {
      this.stats.bytesIn += chunk.length;
    });
    this.input = layer.inflate;
    this.output = layer.deflate;
    layer.inflate.on('data', (chunk: Buffer) => {
      if (this.state === 'logout') return;
      this.reader.feed(chunk);
      void this.pump();
    });
    const rest = this.reader.takeBuffered();
    if (rest.length > 0) layer.inflate.write(rest);
  }

  /** Ends the output (the DEFLATE stream is finished first, so its last bytes are sent). */
  private endOutput(): void {
    if (this.deflate !== null) this.deflate.deflate.end();
    else this.socket.end();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'logout';
    this.unsubscribe?.();
    this.deflate?.destroy();
    this.socket.destroy();
    this.log.info(
      {
        event: 'imap.session',
        ip: this.ip,
        user: this.account?.address,
        tls: this.tls,
        commands: this.stats.commands,
        bytesIn: this.stats.bytesIn,
        bytesOut: this.stats.bytesOut,
      },
      'imap session closed',
    );
  }

  /** Closes the connection at server shutdown. */
  shutdown(): void {
    this.bye('Server shutting down');
  }
}
