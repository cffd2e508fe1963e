// The IMAP listeners: 143 (plain, STARTTLS offered) and 993 (implicit TLS, RFC 8314). Each
// connection gets a Session; the server only accepts, counts and closes connections.
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../core/logger.ts';
import { keepCurrent, type ServerTls } from '../tls/server-tls.ts';
import { Session, type SessionDeps } from './session.ts';

export type ImapServerOptions = Omit<SessionDeps, 'tlsUpgrade' | 'log'> & {
  /** Implicit TLS on connect (993) rather than STARTTLS (143). */
  implicitTls: boolean;
  /** Certificates (SNI, reloads) from the provider; null: no STARTTLS. */
  tls: ServerTls | null;
  maxConnections: number;
  log: Logger;
};

export class ImapServer {
  private readonly server: net.Server;
  private readonly sessions = new Set<Session>();
  private readonly opts: ImapServerOptions;
  private readonly upgrade: SessionDeps['tlsUpgrade'];
  private detachTls: () => void = () => {};

  constructor(opts: ImapServerOptions) {
    this.opts = opts;
    const serverTls = opts.tls;
    this.upgrade = serverTls ? () => serverTls.startTlsOptions() : null;
    if (opts.implicitTls) {
      if (!serverTls) throw new Error('IMAPS needs a certificate');
      const server = tls.createServer(serverTls.serverOptions(), (s) => this.accept(s, true));
      server.on('tlsClientError', (e) => opts.log.debug({ event: 'imap.tls', err: e.message }, 'TLS handshake failed'));
      this.detachTls = keepCurrent(server, serverTls);
      this.server = server;
    } else {
      this.server = net.createServer((s) => this.accept(s, false));
    }
    this.server.on('error', (e) => opts.log.warn({ event: 'imap.error', err: e.message }, 'listener error'));
  }

  private accept(socket: Socket, secure: boolean): void {
    if (this.sessions.size >= this.opts.maxConnections) {
      socket.end('* BYE Too many connections\r\n');
      return;
    }
    socket.setNoDelay(true);
    const session = new Session(socket, { ...this.opts, tlsUpgrade: secure ? null : this.upgrade }, secure);
    this.sessions.add(session);
    socket.once('close', () => this.sessions.delete(session));
    session.start();
  }

  listen(target: { host: string; port: number } | { socket: string }): Promise<AddressInfo | string> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      const done = (): void => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo | string);
      };
      if ('socket' in target) this.server.listen(target.socket, done);
      else this.server.listen(target.port, target.host, done);
    });
  }

  /** Stops accepting and says BYE to every session. */
  async close(): Promise<void> {
    this.detachTls();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.shutdown();
    await closed;
  }
}
