// The POP3 listener: port 110 with STLS, or port 995 with implicit TLS (RFC 8314 §3.3),
// one instance each. TLS 1.2 or later. Sessions are tracked so close() ends them all
// (without UPDATE: nothing is deleted by a shutdown), and counted, so one listener serves at
// most maxConnections at a time.
import { isLoopback } from '../core/net.ts';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Logger } from '../core/logger.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_LOGIN_TIMEOUT_MS, DEFAULT_MAX_BAD_COMMANDS, DEFAULT_MAX_CONNECTIONS } from './limits.ts';
import type { MaildropProvider } from './maildrop.ts';
import { Session, type SessionDeps } from './session.ts';
import { keepCurrent, type ServerTls } from '../tls/server-tls.ts';

export type Pop3ServerOptions = {
  hostname: string;
  /** Certificates (SNI, reloads) from the provider. */
  tls: ServerTls;
  /** true: TLS from the first byte (995); false: plain with STLS (110). */
  implicitTls: boolean;
  authenticator: Authenticator;
  maildrops: MaildropProvider;
  log: Logger;
  /** RFC 1939 §3: the autologout timer once logged in; at least 10 minutes (the default). */
  idleTimeoutMs?: number;
  /** The timer before login (AUTHORIZATION state); default 60 s. */
  loginTimeoutMs?: number;
  /** Simultaneous connections on this listener; default 500. */
  maxConnections?: number;
  maxBadCommands?: number;
  /** Connections from these addresses may not log in without TLS; default: all but loopback. */
  treatAsRemote?: (ip: string) => boolean;
};


export class Pop3Server {
  private readonly opts: Pop3ServerOptions;
  private readonly deps: SessionDeps;
  private readonly server: net.Server;
  private readonly sessions = new Set<Session>();
  private readonly maxConnections: number;
  private detachTls: () => void = () => {};

  constructor(opts: Pop3ServerOptions) {
    this.opts = opts;
    this.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.deps = {
      hostname: opts.hostname,
      auth: opts.authenticator,
      maildrops: opts.maildrops,
      log: opts.log,
      tlsUpgrade: opts.implicitTls ? null : () => opts.tls.startTlsOptions(),
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      loginTimeoutMs: opts.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS,
      maxBadCommands: opts.maxBadCommands ?? DEFAULT_MAX_BAD_COMMANDS,
      treatAsRemote: opts.treatAsRemote ?? ((ip) => !isLoopback(ip)),
    };
    if (opts.implicitTls) {
      const server = tls.createServer(opts.tls.serverOptions(), (socket) => this.accept(socket, true));
      this.detachTls = keepCurrent(server, opts.tls);
      server.on('tlsClientError', (e, socket) => {
        opts.log.debug({ event: 'pop3.tls', ip: socket.remoteAddress, err: e.message }, 'TLS handshake failed');
        socket.destroy();
      });
      this.server = server;
    } else {
      this.server = net.createServer((socket) => this.accept(socket, false));
    }
    this.server.on('error', (e) => opts.log.error({ event: 'pop3.listen', err: e }, 'listener error'));
  }

  private accept(socket: Socket, secure: boolean): void {
    if (this.sessions.size >= this.maxConnections) {
      // RFC 3206 §4: [SYS/TEMP], a temporary condition; the client may try again later.
      this.opts.log.warn({ event: 'pop3.limit', ip: socket.remoteAddress, connections: this.sessions.size }, 'too many connections');
      socket.on('error', () => {});
      socket.end('-ERR [SYS/TEMP] too many connections\r\n');
      setTimeout(() => socket.destroy(), 5_000).unref();
      return;
    }
    const session = new Session(socket, this.deps, secure);
    this.sessions.add(session);
    void session.done.then(() => this.sessions.delete(session));
    session.start();
  }

  listen(at: { host: string; port: number }): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      this.server.listen(at.port, at.host, () => {
        this.server.off('error', onError);
        const address = this.server.address() as AddressInfo;
        this.opts.log.info({ event: 'pop3.listening', address: address.address, port: address.port, implicitTls: this.opts.implicitTls }, 'POP3 listening');
        resolve(address);
      });
    });
  }

  /** Stops listening, ends every session (no deletions) and waits for their maildrops to be released. */
  async close(): Promise<void> {
    this.detachTls();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.shutdown();
    await Promise.all([...this.sessions].map((s) => s.done));
    await closed;
  }
}
