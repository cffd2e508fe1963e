// What the MX/LMTP and submission listeners share about running smtp-server: the options
// every listener sets the same way, listening on TCP or a Unix socket, and following
// certificate changes.
import type { AddressInfo } from 'node:net';
import type { SMTPServer, SMTPServerOptions } from 'smtp-server';
import type { MailError } from '../core/mail-error.ts';
import type { ServerTls } from '../tls/server-tls.ts';

/** A MailError as smtp-server sends it: its `responseCode` and "enhanced text". */
export function smtpReply(e: MailError): Error {
  return Object.assign(new Error(e.replyText), { responseCode: e.code });
}

export type CommonLimits = {
  hostname: string;
  maxMessageSize: number;
  maxConnections: number;
  commandTimeoutMs: number;
  maxLineLength: number;
  maxBadCommands: number;
  greetingDelayMs: number;
};

/** Options both listeners set alike; the caller adds its own (TLS, AUTH, handlers). */
export function commonServerOptions(l: CommonLimits): SMTPServerOptions {
  return {
    name: l.hostname,
    size: l.maxMessageSize,
    rejectOversized: true,
    hidePIPELINING: false,
    hide8BITMIME: false,
    hideSMTPUTF8: false,
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    maxClients: l.maxConnections,
    socketTimeout: l.commandTimeoutMs,
    // close() first waits for messages being received and stored; idle clients then get 421.
    closeTimeout: 3_000,
    logger: false,
    // Read by our patches (smtp-server-patches.ts), not by smtp-server's own typings.
    ...({ maxCommandLength: l.maxLineLength, greetingDelayMs: l.greetingDelayMs, maxBadCommands: l.maxBadCommands } as object),
  };
}

export function listenSmtp(server: SMTPServer, target: { host: string; port: number; reusePort?: boolean } | { socket: string }): Promise<AddressInfo | string> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.server.once('error', onError);
    const done = () => {
      server.server.off('error', onError);
      resolve(server.server.address() as AddressInfo | string);
    };
    if ('socket' in target) server.listen(target.socket, done);
    else if (target.reusePort) server.listen({ port: target.port, host: target.host, reusePort: true }, done);
    else server.listen(target.port, target.host, done);
  });
}

/** smtp-server builds its default context (clients without SNI) once: rebuild it on change. Returns the detach. */
export function followCertificates(server: SMTPServer, tls: ServerTls | null): () => void {
  return tls ? tls.onChange(() => server.updateSecureContext(tls.serverOptions())) : () => {};
}
