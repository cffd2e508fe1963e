// Mail submission (RFC 6409) on smtp-server: port 587 with STARTTLS required before AUTH
// (except from loopback when so configured) and port 465 with implicit TLS (RFC 8314).
// Only authenticated users may send, to any destination; the envelope sender and every
// From/Sender address must be the user's own. Accepted messages get the headers an MSA adds,
// DKIM signatures, and go to the OutboundQueue given to the constructor, which answers only
// once the message is durably queued.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Authenticator } from '../auth/authenticator.ts';
import { lookupKey, parseAddress } from '../core/address.ts';
import { errors, MailError } from '../core/mail-error.ts';
import { unknownParameter } from './parameters.ts';
import { newId, type Logger } from '../core/logger.ts';
import type { Directory } from '../directory/directory.ts';
import { resolveRecipient } from '../directory/resolve.ts';
import type { DkimSigner } from '../dkim/signer.ts';
import type { OutboundQueue } from '../queue/outbound.ts';
import { claimsOurAuthResults, removeFields } from './header-fields.ts';
import { readMessage } from './read-message.ts';
import { authorAddresses, ownsAddress, type IdentityOptions, type SessionAccount } from './sender-identity.ts';
import { missingHeaders, submissionReceived } from './submission-headers.ts';
import type { SendRateLimiter, LimitHit } from './send-rate-limiter.ts';
import { envelopeDsn, recipientDsn } from './dsn-params.ts';
import { commonServerOptions, followCertificates, listenSmtp, smtpReply } from './smtp-server-common.ts';
import { patchSmtpServer } from './smtp-server-patches.ts';
import type { ServerTls } from '../tls/server-tls.ts';

export type SubmissionOptions = {
  hostname: string;
  tls: ServerTls;
  /** true: TLS from the first byte (465); false: STARTTLS (587). */
  implicitTls: boolean;
  /** Whether a connection from this IP may AUTH without TLS (loopback, when configured). */
  plaintextAuthAllowed: (ip: string) => boolean;
  maxMessageSize: number;
  maxRecipients: number;
  maxConnections: number;
  maxBadCommands: number;
  commandTimeoutMs: number;
  maxLineLength: number;
  maxDataLineLength: number;
  directory: Directory;
  identity: IdentityOptions;
  auth: Authenticator;
  queue: OutboundQueue;
  signer: DkimSigner;
  limiter: SendRateLimiter;
  log: Logger;
};

type User = { account: SessionAccount };

type SessionState = {
  started: number;
  user: string | null;
  bad: number;
  accepted: number;
  refused: number;
};

type Callback = (err?: Error | null) => void;


const notOwned = (addr: string, user: string, what: string) =>
  new MailError({ code: 553, enhanced: '5.7.1', message: `<${addr}>: ${what} address rejected: not owned by user ${user}` });

const rateLimited = (hit: LimitHit) =>
  new MailError({
    code: 451,
    enhanced: '4.7.1',
    message: `Sending rate limit reached (${hit.limit} ${hit.kind} per hour per ${hit.scope === 'ip' ? 'address' : 'account'}); try again later`,
  });

export class SubmissionServer {
  private readonly opts: SubmissionOptions;
  private readonly server: SMTPServer;
  private readonly sessions = new Map<string, SessionState>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly svc: string;
  private closing = false;
  private detachTls: () => void = () => {};

  constructor(opts: SubmissionOptions) {
    patchSmtpServer();
    this.opts = opts;
    this.svc = opts.implicitTls ? 'submissions' : 'submission';
    this.server = new SMTPServer({
      ...commonServerOptions({ ...opts, greetingDelayMs: 0 }),
      banner: 'Mailhaven ESMTP submission',
      secure: opts.implicitTls,
      ...opts.tls.serverOptions(),
      hideDSN: false,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      authRequiredMessage: '5.7.0 Authentication required',
      // The TLS rule is ours (smtp-server-patches.ts, authNeedsTls): 530, and AUTH unlisted.
      allowInsecureAuth: true,
      disabledCommands: opts.implicitTls ? ['STARTTLS'] : [],
      ...({ authNeedsTls: (ip: string) => !opts.plaintextAuthAllowed(ip) } as object),
      onConnect: (session, cb) => this.onConnect(session, cb),
      onAuth: (auth, session, cb) => void this.onAuth(auth, session).then((r) => cb(null, r), (e: unknown) => cb(toReply(e))),
      onMailFrom: (address, session, cb) => this.track(this.onMailFrom(address, session), cb),
      onRcptTo: (address, session, cb) => this.track(this.onRcptTo(address, session), cb),
      onData: (stream, session, cb) => this.track(this.onData(stream, session), cb as (e?: Error | null, r?: unknown) => void),
      onClose: (session) => this.onClose(session),
    });
    this.server.on('error', (err) => opts.log.warn({ event: `${this.svc}.error`, err: err.message }, 'connection error'));
    // Reloaded or renewed certificates reach new connections.
    this.detachTls = followCertificates(this.server, opts.tls);
  }

  listen(target: { host: string; port: number } | { socket: string }): Promise<AddressInfo | string> {
    return listenSmtp(this.server, target);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.detachTls();
    await Promise.allSettled([...this.inFlight]);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track<T>(p: Promise<T>, cb: (e?: Error | null, r?: T) => void): void {
    this.inFlight.add(p);
    p.then(
      (r) => cb(null, r),
      (e: unknown) => cb(toReply(e)),
    ).finally(() => this.inFlight.delete(p));
  }

  private state(session: SMTPServerSession): SessionState {
    let st = this.sessions.get(session.id);
    if (!st) this.sessions.set(session.id, (st = { started: Date.now(), user: null, bad: 0, accepted: 0, refused: 0 }));
    return st;
  }

  private onConnect(session: SMTPServerSession, cb: Callback): void {
    if (this.closing) return cb(smtpReply(errors.shuttingDown()));
    this.state(session);
    cb();
  }

  private async onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<{ user?: User }> {
    const st = this.state(session);
    const a = auth as SMTPServerAuthentication & { authzid?: string; authcid?: string };
    // RFC 4616: acting as another user (an authzid other than the authcid) is not offered.
    if (a.method === 'PLAIN' && a.authzid && a.authcid && !sameAddress(a.authzid, a.authcid)) {
      throw this.refuse(session, st, 'AUTH', new MailError({ code: 535, enhanced: '5.7.8', message: 'Authentication credentials invalid' }));
    }
    const r = await this.opts.auth.login({
      username: auth.username ?? '',
      password: auth.password ?? '',
      ip: session.remoteAddress,
      service: this.svc,
      mechanism: auth.method,
      tls: !!session.secure,
      sid: session.id,
    });
    if (r.ok) {
      st.user = r.account.address;
      // Only the id and address stay in the session, never the password hash.
      return { user: { account: { id: r.account.id, address: r.account.address } } };
    }
    const e =
      r.reason === 'invalid'
        ? new MailError({ code: 535, enhanced: '5.7.8', message: 'Authentication credentials invalid' })
        : new MailError({ code: 454, enhanced: '4.7.0', message: r.reason === 'throttled' ? 'Too many failed logins; try again later' : 'Temporary authentication failure' });
    throw this.refuse(session, st, 'AUTH', e);
  }

  private account(session: SMTPServerSession): SessionAccount {
    const u = session.user as User | undefined;
    // smtp-server refuses MAIL/RCPT/DATA before AUTH (authOptional false); this is a backstop.
    if (!u || !u.account) throw new MailError({ code: 530, enhanced: '5.7.0', message: 'Authentication required' });
    return u.account;
  }

  private async onMailFrom(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const st = this.state(session);
    if (this.closing) throw errors.shuttingDown();
    const unknown = unknownParameter(address, 'MAIL');
    if (unknown !== null) throw this.refuse(session, st, 'MAIL', unknown);
    const account = this.account(session);
    if (address.address === '' || !(await ownsAddress(this.opts.directory, account, address.address, this.opts.identity))) {
      throw this.refuse(session, st, 'MAIL', notOwned(address.address, account.address, 'Sender'));
    }
    const hit = this.opts.limiter.check(account.address, session.remoteAddress, 0);
    if (hit) throw this.limitHit(session, st, account, hit, 'MAIL');
  }

  private async onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const st = this.state(session);
    const account = this.account(session);
    if (session.envelope.rcptTo.length >= this.opts.maxRecipients) throw errors.tooManyRecipients(this.opts.maxRecipients);
    const unknown = unknownParameter(address, 'RCPT');
    if (unknown !== null) throw this.refuse(session, st, 'RCPT', unknown);
    const p = parseAddress(address.address);
    if (!p.ok) throw this.refuse(session, st, 'RCPT', errors.badAddress(address.address, p.reason));
    const hit = this.opts.limiter.check(account.address, session.remoteAddress, session.envelope.rcptTo.length + 1);
    if (hit) throw this.limitHit(session, st, account, hit, 'RCPT');
    // Hosted recipients are known now: refuse unknown users at once rather than bouncing later.
    const key = lookupKey(p.address);
    const r = await resolveRecipient(this.opts.directory, key, { subaddressSeparator: this.opts.identity.subaddressSeparator, maxDepth: this.opts.identity.maxAliasDepth });
    if (r.kind === 'unknown') throw this.refuse(session, st, 'RCPT', errors.unknownUser(address.address));
    if (r.kind === 'loop') throw this.refuse(session, st, 'RCPT', errors.aliasLoop(address.address));
  }

  private limitHit(session: SMTPServerSession, st: SessionState, account: SessionAccount, hit: LimitHit, command: string): MailError {
    this.opts.log.warn(
      { event: `${this.svc}.ratelimit`, sid: session.id, ip: session.remoteAddress, user: account.address, command, ...hit },
      'sending rate limit reached',
    );
    return this.refuse(session, st, command, rateLimited(hit));
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const st = this.state(session);
    const account = this.account(session);
    const id = newId();
    const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const rcpts = session.envelope.rcptTo;
    const base = { sid: session.id, id, ip: session.remoteAddress, user: account.address, from, to: rcpts.map((r) => r.address) };
    const read = await readMessage(stream, { maxSize: this.opts.maxMessageSize, maxLineLength: this.opts.maxDataLineLength });
    if (!read.ok) return this.fail(st, base, read.error);

    const authors = authorAddresses(read.content);
    if (!authors.ok) return this.fail(st, base, new MailError({ code: 553, enhanced: '5.7.1', message: `Message refused: ${authors.reason}` }));
    for (const a of authors.addresses) {
      if (!(await ownsAddress(this.opts.directory, account, a, this.opts.identity))) return this.fail(st, base, notOwned(a, account.address, 'From/Sender'));
    }
    const hit = this.opts.limiter.check(account.address, session.remoteAddress, rcpts.length);
    if (hit) return this.fail(st, base, this.limitHit(session, st, account, hit, 'DATA'));
    const unrecord = this.opts.limiter.record(account.address, session.remoteAddress, rcpts.length);
    try {
      return await this.signAndQueue(session, st, account, base, id, read.content, authors);
    } catch (e) {
      unrecord();
      throw e;
    }
  }

  private async signAndQueue(
    session: SMTPServerSession,
    st: SessionState,
    account: SessionAccount,
    base: { sid: string; id: string; ip: string; user: string; from: string; to: string[] },
    id: string,
    content: Buffer,
    authors: { addresses: string[]; hasFrom: boolean },
  ): Promise<string> {
    const from = base.from;
    const rcpts = session.envelope.rcptTo;

    const now = new Date();
    const tls = session.tlsOptions ? { protocol: session.tlsOptions.version ?? 'TLS', cipher: session.tlsOptions.name } : null;
    const added =
      submissionReceived({ byHost: this.opts.hostname, protocol: session.transmissionType || 'ESMTPA', id, tls, recipient: rcpts.length === 1 ? rcpts[0].address : null, date: now }) +
      missingHeaders(content, { hostname: this.opts.hostname, sender: from, date: now });
    // Bcc stays out of what recipients see; no user may vouch for mail in our name.
    const ours = claimsOurAuthResults(this.opts.hostname);
    const cleaned = removeFields(content, (name, value) => name === 'bcc' || ours(name, value));
    const unsigned = Buffer.concat([Buffer.from(added, 'utf8'), cleaned]);
    const signed = await this.opts.signer.sign(unsigned, authors.hasFrom ? authors.addresses : [from]);

    let queueId: string;
    try {
      ({ queueId } = await this.opts.queue.enqueue({
        from,
        recipients: rcpts.map((r) => ({ address: r.address, ...recipientDsn(r) })),
        ...envelopeDsn(session),
        message: signed.message,
        origin: { kind: 'submission', account: account.address, clientIp: session.remoteAddress, sessionId: session.id },
      }));
    } catch (e) {
      return this.fail(st, base, e instanceof MailError ? e : errors.localError(e));
    }
    st.accepted++;
    this.opts.log.info(
      { event: 'message.accepted', ...base, queueId, size: signed.message.length, dkim: signed.signatures.map((s) => `${s.domain}/${s.selector}`) },
      'message submitted',
    );
    return `Ok: queued as ${queueId}`;
  }

  private fail(st: SessionState, fields: object, e: MailError): never {
    st.refused++;
    this.opts.log.warn({ event: 'message.refused', ...fields, code: e.code, reply: e.replyText }, 'message refused');
    throw e;
  }

  /** Logs a refused command and counts it; past the limit the connection is closed with 421. */
  private refuse(session: SMTPServerSession, st: SessionState, command: string, e: MailError): MailError {
    st.bad++;
    this.opts.log.info({ event: `${this.svc}.reject`, sid: session.id, ip: session.remoteAddress, user: st.user ?? undefined, command, code: e.code, reply: e.replyText }, 'command rejected');
    if (st.bad >= this.opts.maxBadCommands) return errors.tooManyErrors(this.opts.hostname);
    return e;
  }

  private onClose(session: SMTPServerSession): void {
    const st = this.sessions.get(session.id);
    this.sessions.delete(session.id);
    this.opts.log.info(
      {
        event: `${this.svc}.session`,
        sid: session.id,
        ip: session.remoteAddress,
        user: st?.user ?? undefined,
        tls: session.tlsOptions ? session.tlsOptions.version : undefined,
        accepted: st?.accepted ?? 0,
        refused: st?.refused ?? 0,
        rejectedCommands: st?.bad ?? 0,
        ms: st ? Date.now() - st.started : undefined,
      },
      'connection closed',
    );
  }
}

function toReply(e: unknown): Error {
  return smtpReply(e instanceof MailError ? e : errors.localError(e));
}

function sameAddress(a: string, b: string): boolean {
  const pa = parseAddress(a);
  const pb = parseAddress(b);
  return pa.ok && pb.ok && lookupKey(pa.address) === lookupKey(pb.address);
}
