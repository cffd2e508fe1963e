// What a TLS listener needs from the certificate provider, and nothing more. A listener takes
// one ServerTls and uses it for every new connection, so a reloaded or renewed certificate
// reaches new connections without a restart.
import tls, { type SecureContext, type TlsOptions } from 'node:tls';
import { TLS_POLICY } from './tls-policy.ts';
import type { Pem } from './self-signed.ts';

export type StartTlsOptions = { isServer: true; secureContext: SecureContext; SNICallback: NonNullable<TlsOptions['SNICallback']> };

export interface ServerTls {
  /**
   * For tls.createServer, https.createServer or fastify's `https` option (implicit TLS): the
   * default certificate, the TLS policy, SNI, and ALPN when ACME TLS-ALPN-01 is on.
   */
  serverOptions(): TlsOptions;
  /** For `new TLSSocket(plain, …)` after STARTTLS / STLS: the current default context and SNI. */
  startTlsOptions(): StartTlsOptions;
  /** Calls fn after the certificates changed (file reload, ACME renewal); returns the unsubscribe. */
  onChange(fn: () => void): () => void;
}

/** Keeps an implicit-TLS server's default certificate (clients without SNI) current; returns the detach. */
export function keepCurrent(server: tls.Server, t: Pick<ServerTls, 'serverOptions' | 'onChange'>): () => void {
  return t.onChange(() => server.setSecureContext(t.serverOptions()));
}

/** One fixed certificate, for tests and tools that start a single listener by hand. */
export function fixedServerTls(pem: Pem): ServerTls {
  const context = tls.createSecureContext({ ...pem, ...TLS_POLICY });
  return {
    serverOptions: () => ({ ...pem, ...TLS_POLICY }),
    startTlsOptions: () => ({ isServer: true, secureContext: context, SNICallback: (_n, cb) => cb(null, context) }),
    onChange: () => () => {},
  };
}
