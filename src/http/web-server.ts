// The web listeners on fastify: HTTP (port 80) answers ACME HTTP-01 challenges and autoconfig
// and redirects the rest to HTTPS; HTTPS (port 443) serves the MTA-STS policy and the client
// set-up documents. One request = one log line (`http.request`).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { keepCurrent, type ServerTls } from '../tls/server-tls.ts';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { newId } from '../core/logger.ts';
import type { WebDeps } from './deps.ts';
import { domainUnder, requestHost } from './host.ts';
import { HTTP_LIMITS } from './limits.ts';
import { registerAcmeChallenge } from './routes/acme-challenge.ts';
import { registerAutoconfig } from './routes/autoconfig.ts';
import { registerAutodiscover } from './routes/autodiscover.ts';
import { registerMobileconfig } from './routes/mobileconfig.ts';
import { registerMtaSts } from './routes/mta-sts.ts';

/**
 * The certificates of the HTTPS listener: options for https.createServer (certificate, or
 * SNICallback and ALPN), and a hook called when they change (reload, renewal), after which new
 * connections get the new default context. The shape of the TLS provider's per-listener view.
 */
export type WebTls = Pick<ServerTls, 'serverOptions' | 'onChange'>;

export type WebServerOptions = WebDeps & {
  /** Absent: plain HTTP. */
  tls?: WebTls;
};

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
};

export class WebServer {
  readonly secure: boolean;
  private readonly app: FastifyInstance;
  private readonly opts: WebServerOptions;
  private readonly sockets = new Set<Socket>();
  private raw: http.Server | https.Server | undefined;
  private detachTls: () => void = () => {};

  constructor(opts: WebServerOptions) {
    this.opts = opts;
    this.secure = !!opts.tls;
    this.app = Fastify({
      logger: false,
      bodyLimit: HTTP_LIMITS.bodyLimit,
      genReqId: () => newId(),
      return503OnClosing: true,
      routerOptions: { maxParamLength: HTTP_LIMITS.maxParamLength, ignoreTrailingSlash: false },
      // Built here so every limit and the TLS options live in one place.
      serverFactory: (handler) => {
        const common = { maxHeaderSize: HTTP_LIMITS.maxHeaderSize, requestTimeout: HTTP_LIMITS.requestTimeoutMs, headersTimeout: HTTP_LIMITS.headersTimeoutMs, keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs };
        const t = opts.tls;
        let server: http.Server | https.Server;
        if (t) {
          // serverOptions() carries the TLS policy (TLS 1.2 and up, tls-policy.ts).
          const secure = https.createServer({ ...t.serverOptions(), ...common }, handler);
          this.detachTls = keepCurrent(secure, t);
          server = secure;
        } else {
          server = http.createServer(common, handler);
        }
        server.maxRequestsPerSocket = HTTP_LIMITS.maxRequestsPerSocket;
        server.setTimeout(HTTP_LIMITS.connectionTimeoutMs);
        server.on('connection', (s: Socket) => {
          this.sockets.add(s);
          s.on('close', () => this.sockets.delete(s));
        });
        // A failed TLS handshake or a malformed request closes quietly (never an unhandled error).
        server.on('tlsClientError', (_e: Error, s: Socket) => s.destroy());
        this.raw = server;
        // fastify's types want http.Server; an https.Server offers the same request interface.
        return server as http.Server;
      },
    });
    this.setup();
  }

  private setup(): void {
    const { app, opts } = this;
    // Bodies are read as bounded strings; only autodiscover reads one.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: HTTP_LIMITS.bodyLimit }, (_req, body, done) => done(null, body));
    app.addHook('onSend', async (_req, reply, payload) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
      if (this.secure && opts.hsts()) reply.header('strict-transport-security', 'max-age=31536000');
      return payload;
    });
    app.addHook('onResponse', async (req, reply) => {
      opts.log.info(
        { event: 'http.request', rid: req.id, ip: req.ip, secure: this.secure, method: req.method, host: requestHost(req), path: req.url.split('?')[0].slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        `${req.method} ${req.url.split('?')[0].slice(0, 200)} ${reply.statusCode}`,
      );
    });
    app.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) opts.log.error({ event: 'http.error', rid: req.id, err }, 'web request failed');
      return reply.code(status).type('text/plain; charset=utf-8').send(status === 500 ? 'internal error\n' : `${err.message}\n`);
    });
    registerAcmeChallenge(app, opts);
    registerAutoconfig(app, opts);
    if (this.secure) {
      registerMtaSts(app, opts);
      registerAutodiscover(app, opts);
      registerMobileconfig(app, opts);
      app.setNotFoundHandler(async (_req, reply) => reply.code(404).type('text/plain; charset=utf-8').send('not found\n'));
    } else {
      app.setNotFoundHandler((req, reply) => this.redirectToHttps(req, reply));
    }
  }

  /** Plain HTTP carries nothing but challenges and autoconfig: GET/HEAD move to HTTPS on a name we serve. */
  private async redirectToHttps(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply.code(404).type('text/plain; charset=utf-8').send('use https\n');
    const host = requestHost(req);
    const ours = host === this.opts.hostname.toLowerCase() || (await this.isHostedName(host));
    const port = this.opts.httpsPort();
    // An absolute-form request line ("GET http://x/y") keeps only its path on our host.
    const path = req.url.startsWith('/') ? req.url.slice(0, 2048) : '/';
    const target = `https://${ours ? host : this.opts.hostname}${port === 443 ? '' : `:${port}`}${path}`;
    return reply.code(301).header('location', target).type('text/plain; charset=utf-8').send(`moved to ${target}\n`);
  }

  private async isHostedName(host: string): Promise<boolean> {
    if (!host) return false;
    for (const prefix of ['mta-sts.', 'autoconfig.', 'autodiscover.']) {
      const d = domainUnder(host, prefix);
      if (d && (await this.opts.directory.hasDomain(d))) return true;
    }
    return this.opts.directory.hasDomain(host);
  }

  async listen(target: { host: string; port: number }): Promise<AddressInfo> {
    await this.app.listen({ host: target.host, port: target.port });
    return this.raw!.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.detachTls();
    // Keep-alive connections would hold close() open until they time out.
    const closing = this.app.close();
    for (const s of this.sockets) s.destroy();
    await closing;
  }
}
