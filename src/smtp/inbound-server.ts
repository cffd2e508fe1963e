// Inbound SMTP (MX, port 25) and LMTP on smtp-server: the protocol is the library's, the
// policy is ours — who we accept mail for, the limits, and when we answer 250 (only after the
// message is durably stored).
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { lookupKey, MAX_ADDRESS_OCTETS, parseAddress } from '../core/address.ts';
import { errors, MailError, replyAddress } from '../core/mail-error.ts';
import { unknownParameter } from './parameters.ts';
import { newId, type Logger } from '../core/logger.ts';
import type { LocalDelivery, RecipientPlan } from '../delivery/local-delivery.ts';
import type { Stored } from '../store/store.ts';
import { parseMessage } from '../mime/parse-message.ts';
import type { InboundAuthChecker } from './inbound-auth.ts';
import type { ConnectionSlots } from './connection-slots.ts';
import { envelopeDsn, recipientDsn } from './dsn-params.ts';
import { commonServerOptions, followCertificates, listenSmtp, smtpReply } from './smtp-server-common.ts';
import { patchSmtpServer } from './smtp-server-patches.ts';
import { readMessage } from './read-message.ts';
import { receivedHeader } from './received-header.ts';
import type { ServerTls } from '../tls/server-tls.ts';

export type InboundKind = 'smtp' | 'lmtp';

/** What the listener needs from delivery: LocalDelivery itself in the main thread, WorkerDelivery
 *  (calls into the main thread) in an SMTP worker thread. */
export type InboundDelivery = Pick<LocalDelivery, 'isLocalDomain' | 'planRecipient'> & {
  deliver(msg: Parameters<LocalDelivery['deliver']>[0], plans: RecipientPlan[]): Promise<Stored[]>;
};

export type InboundOptions = {
  kind: InboundKind;
  hostname: string;
  /** Certificates (SNI, reloads) from the provider; null: no STARTTLS. */
  tls: ServerTls | null;
  maxMessageSize: number;
  maxRecipients: number;
  maxConnections: number;
  maxBadCommands: number;
  commandTimeoutMs: number;
  greetingDelayMs: number;
  maxLineLength: number;
  maxDataLineLength: number;
  delivery: InboundDelivery;
  /** SPF/DKIM/DMARC checks for the MX; absent for LMTP (the MTA in front has done them). */
  mailAuth?: InboundAuthChecker | null;
  /** The connection limit shared with the other SMTP threads; without it smtp-server's own applies. */
  slots?: ConnectionSlots;
  log: Logger;
};

type SessionState = {
  started: number;
  /** Holds one of the shared connection slots. */
  slot?: boolean;
  plans: RecipientPlan[];
  bad: number;
  accepted: number;
  refused: number;
};

type Callback = (err?: Error | null) => void;


export class InboundServer {
  private readonly opts: InboundOptions;
  private readonly server: SMTPServer;
  private readonly sessions = new Map<string, SessionState>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;
  private detachTls: () => void = () => {};

  constructor(opts: InboundOptions) {
    patchSmtpServer();
    this.opts = opts;
    const lmtp = opts.kind === 'lmtp';
    this.server = new SMTPServer({
      ...commonServerOptions(opts),
      lmtp,
      banner: 'Mailhaven',
      hideSTARTTLS: opts.tls === null,
      // RFC 3461 on the MX: NOTIFY=SUCCESS gets a "delivered" report, forwards pass it on.
      hideDSN: lmtp,
      disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      authOptional: true,
      ...(opts.tls ? opts.tls.serverOptions() : {}),
      onConnect: (session, cb) => this.onConnect(session, cb),
      onMailFrom: (address, session, cb) => this.onMailFrom(address, session, cb),
      onRcptTo: (address, session, cb) => this.track(this.onRcptTo(address, session), cb),
      onData: (stream, session, cb) => this.track(this.onData(stream, session), cb as (e?: Error | null, r?: unknown) => void),
      onClose: (session) => this.onClose(session),
    });
    this.detachTls = followCertificates(this.server, opts.tls);
    this.server.on('error', (err) => opts.log.warn({ event: `${opts.kind}.error`, err: err.message }, 'connection error'));
  }

  /** `reusePort`: several threads listen on one port and the kernel shares the connections out. */
  listen(target: { host: string; port: number; reusePort?: boolean } | { socket: string }): Promise<AddressInfo | string> {
    return listenSmtp(this.server, target);
  }

  /** Stops accepting, lets messages being stored finish, then closes every connection. */
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
      (e: unknown) => cb(e instanceof MailError ? smtpReply(e) : smtpReply(errors.localError(e))),
    ).finally(() => this.inFlight.delete(p));
  }

  private onConnect(session: SMTPServerSession, cb: Callback): void {
    if (this.closing) return cb(smtpReply(errors.shuttingDown()));
    const slots = this.opts.slots;
    if (slots && !slots.take()) {
      this.opts.log.info({ event: `${this.opts.kind}.reject`, sid: session.id, ip: session.remoteAddress, command: 'CONNECT', code: 421 }, 'too many connections');
      return cb(smtpReply(new MailError({ code: 421, enhanced: '4.7.0', message: `${this.opts.hostname} Too many connected clients, try again in a moment` })));
    }
    this.sessions.set(session.id, { started: Date.now(), slot: slots !== undefined, plans: [], bad: 0, accepted: 0, refused: 0 });
    cb();
  }

  private state(session: SMTPServerSession): SessionState {
    let st = this.sessions.get(session.id);
    if (!st) this.sessions.set(session.id, (st = { started: Date.now(), plans: [], bad: 0, accepted: 0, refused: 0 }));
    return st;
  }

  private onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, cb: Callback): void {
    const st = this.state(session);
    st.plans = [];
    if (this.closing) return cb(smtpReply(errors.shuttingDown()));
    const unknown = unknownParameter(address, 'MAIL');
    if (unknown !== null) return cb(this.refuse(session, st, 'MAIL', unknown));
    if (address.address !== '') {
      // Return paths of VERP, SRS and BATV often pass the 64 octets of a local part (RFC 5321
      // §4.5.3.1 asks for no limits where possible): only the path's own limit holds.
      const p = parseAddress(address.address, { maxLocalOctets: MAX_ADDRESS_OCTETS });
      if (!p.ok) return cb(this.refuse(session, st, 'MAIL', new MailError({ code: 553, enhanced: '5.1.7', message: `<${replyAddress(address.address)}>: Bad sender address syntax: ${p.reason}` })));
    }
    cb();
  }

  private async onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const st = this.state(session);
    if (st.plans.length >= this.opts.maxRecipients) throw errors.tooManyRecipients(this.opts.maxRecipients);
    const unknown = unknownParameter(address, 'RCPT');
    if (unknown !== null) throw this.refuseError(session, st, 'RCPT', unknown);
    // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain MUST be accepted: ours is the host's.
    if (/^postmaster$/i.test(address.address)) address = { ...address, address: `postmaster@${await this.postmasterDomain()}` };
    const p = parseAddress(address.address);
    if (!p.ok) throw this.refuseError(session, st, 'RCPT', errors.badAddress(address.address, p.reason));
    // Relay policy: only hosted domains, whatever the local part holds (%, !, quoted @ are
    // looked up literally and so are unknown users, never routed elsewhere).
    if (!(await this.opts.delivery.isLocalDomain(p.address.domain))) {
      throw this.refuseError(session, st, 'RCPT', this.opts.kind === 'lmtp' ? errors.unknownUser(address.address) : errors.relayDenied(address.address));
    }
    try {
      const plan = await this.opts.delivery.planRecipient(address.address, lookupKey(p.address));
      st.plans.push(this.opts.kind === 'smtp' ? { ...plan, ...recipientDsn(address) } : plan);
    } catch (e) {
      if (e instanceof MailError) throw this.refuseError(session, st, 'RCPT', e);
      throw e;
    }
  }

  /** The hosted domain "<postmaster>" means: the host name's, or its parent's (mail.example.org). */
  private async postmasterDomain(): Promise<string> {
    const host = this.opts.hostname.toLowerCase();
    const parent = host.split('.').slice(1).join('.');
    for (const d of [host, parent]) if (d.includes('.') && (await this.opts.delivery.isLocalDomain(d))) return d;
    return host;
  }

  /** Counts a refused command; past the limit the connection is closed with 421. */
  private refuseError(session: SMTPServerSession, st: SessionState, command: string, e: MailError): MailError {
    st.bad++;
    this.opts.log.info(
      { event: `${this.opts.kind}.reject`, sid: session.id, ip: session.remoteAddress, command, code: e.code, reply: e.replyText },
      'command rejected',
    );
    if (st.bad >= this.opts.maxBadCommands) {
      return errors.tooManyErrors(this.opts.hostname);
    }
    return e;
  }

  private refuse(session: SMTPServerSession, st: SessionState, command: string, e: MailError): Error {
    return smtpReply(this.refuseError(session, st, command, e));
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string | (string | Error)[]> {
    const st = this.state(session);
    const id = newId();
    const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const rcpts = session.envelope.rcptTo.map((r) => r.address);
    const base = { sid: session.id, id, ip: session.remoteAddress, from: sender, to: rcpts };
    const read = await readMessage(stream, { maxSize: this.opts.maxMessageSize, maxLineLength: this.opts.maxDataLineLength });
    if (!read.ok) return this.failData(st, base, read.error);

    let body = read.content;
    let auth: object = {};
    if (this.opts.mailAuth && this.opts.kind === 'smtp') {
      const v = await this.opts.mailAuth.check(body, { ip: session.remoteAddress, helo: session.hostNameAppearsAs || '', sender });
      body = v.message;
      if (v.summary) auth = { auth: v.summary };
      if (v.reject) return this.failData(st, { ...base, ...auth }, v.reject);
      // A success report goes to the envelope sender: only when SPF vouches for that sender,
      // or anyone could have us mail reports to a forged address (backscatter).
      if (v.summary?.spf !== 'pass') st.plans = st.plans.map(withoutSuccessNotice);
    }

    const receivedAt = new Date();
    const tlsInfo = session.tlsOptions ? { protocol: session.tlsOptions.version ?? 'TLS', cipher: session.tlsOptions.name } : null;
    const header = receivedHeader({
      helo: session.hostNameAppearsAs || '',
      clientHostname: session.clientHostname,
      clientIp: session.remoteAddress,
      byHost: this.opts.hostname,
      protocol: session.transmissionType || (this.opts.kind === 'lmtp' ? 'LMTP' : 'ESMTP'),
      id,
      tls: tlsInfo,
      recipient: rcpts.length === 1 ? rcpts[0] : null,
      date: receivedAt,
    });
    const content = Buffer.concat([header, body]);
    const parsed = parseMessage(content);
    const msgLog = { ...base, messageId: parsed.messageId, size: content.length, ...auth };

    if (this.opts.kind === 'lmtp') {
      // RFC 2033 §4.2: one reply per recipient, each delivered on its own.
      const results: (string | Error)[] = [];
      for (const plan of st.plans) {
        try {
          await this.opts.delivery.deliver({ sender, content, parsed, receivedAt }, [plan]);
          this.opts.log.info({ event: 'message.accepted', ...msgLog, to: [plan.address] }, 'message delivered');
          st.accepted++;
          results.push(`<${plan.address}> Ok: delivered as ${id}`);
        } catch (e) {
          const me = e instanceof MailError ? e : errors.localError(e);
          this.opts.log.warn({ event: 'message.refused', ...msgLog, to: [plan.address], code: me.code, reply: me.replyText }, 'message refused');
          st.refused++;
          results.push(smtpReply(me));
        }
      }
      return results;
    }
    try {
      await this.opts.delivery.deliver({ sender, content, parsed, receivedAt, id, dsn: envelopeDsn(session) }, st.plans);
    } catch (e) {
      return this.failData(st, msgLog, e instanceof MailError ? e : errors.localError(e));
    }
    st.accepted++;
    this.opts.log.info({ event: 'message.accepted', ...msgLog }, 'message delivered');
    return `Ok: queued as ${id}`;
  }

  private failData(st: SessionState, fields: object, e: MailError): never {
    st.refused++;
    this.opts.log.warn({ event: 'message.refused', ...fields, code: e.code, reply: e.replyText }, 'message refused');
    throw e;
  }

  private onClose(session: SMTPServerSession): void {
    const st = this.sessions.get(session.id);
    this.sessions.delete(session.id);
    if (st?.slot) this.opts.slots?.give();
    this.opts.log.info(
      {
        event: `${this.opts.kind}.session`,
        sid: session.id,
        ip: session.remoteAddress,
        helo: session.hostNameAppearsAs || undefined,
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

/** The plan without NOTIFY=SUCCESS (FAILURE and DELAY stay; SUCCESS alone becomes NEVER). */
function withoutSuccessNotice(p: RecipientPlan): RecipientPlan {
  if (p.notify === undefined || p.notify === 'NEVER' || !p.notify.includes('SUCCESS')) return p;
  const rest = p.notify.filter((n) => n !== 'SUCCESS');
  return { ...p, notify: rest.length > 0 ? rest : 'NEVER' };
}
