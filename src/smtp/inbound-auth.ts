// Sender authentication of mail arriving on the MX: SPF (RFC 7208), DKIM (RFC 6376), DMARC
// (RFC 7489) and ARC (RFC 8617) with mailauth, over our Resolver. The result becomes an
// Authentication-Results header (RFC 8601) with our host name as authserv-id; headers that
// already claim our authserv-id are forgeries and are removed first (RFC 8601 §5).
//
// DMARC p=reject failures are refused with 550 5.7.1 by default ([mail_auth] dmarc_reject), as
// Gmail and mox do: the domain owner asked for it, and phishing in the name of a bank is what
// it stops. A DNS failure (temperror) never refuses. The cost on the MX is a handful of DNS
// lookups per message (SPF record and includes, one key per signature, the DMARC record) and
// one signature verification each; the whole check is bounded by [mail_auth] timeout.
import { authenticate, type AuthenticateResult } from 'mailauth';
import { MailError } from '../core/mail-error.ts';
import type { Logger } from '../core/logger.ts';
import { mailauthResolver } from '../dns/mailauth-resolver.ts';
import type { Resolver } from '../dns/resolver.ts';
import { claimsOurAuthResults, removeFields } from './header-fields.ts';

export type MailAuthOptions = { hostname: string; resolver: Resolver; dmarcReject: boolean; timeoutMs: number; log: Logger };

export type AuthSummary = { spf: string; dkim: string[]; dmarc: string; arc: string; ms: number };

export type AuthVerdict = {
  /** The message with forged Authentication-Results removed and ours (and Received-SPF) on top. */
  message: Buffer;
  reject: MailError | null;
  summary: AuthSummary | null;
};

export type Transmission = { ip: string; helo: string; sender: string };

export class InboundAuthChecker {
  private readonly opts: MailAuthOptions;
  private readonly resolve: ReturnType<typeof mailauthResolver>;

  constructor(opts: MailAuthOptions) {
    this.opts = opts;
    this.resolve = mailauthResolver(opts.resolver);
  }

  async check(message: Buffer, t: Transmission): Promise<AuthVerdict> {
    const started = Date.now();
    let result: AuthenticateResult;
    let timer: NodeJS.Timeout | undefined;
    try {
      result = await Promise.race([
        authenticate(message, {
          ip: t.ip,
          helo: t.helo,
          sender: t.sender,
          mta: this.opts.hostname,
          resolver: this.resolve,
          disableBimi: true,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), this.opts.timeoutMs);
        }),
      ]);
    } catch (err) {
      this.opts.log.warn({ event: 'mailauth.error', ip: t.ip, err: (err as Error).message }, 'sender authentication failed; delivering without it');
      return { message: stripOurAuthResults(message, this.opts.hostname), reject: null, summary: null };
    } finally {
      clearTimeout(timer);
    }
    const summary: AuthSummary = {
      spf: result.spf ? result.spf.status.result : 'none',
      dkim: result.dkim.results.map((r) => `${r.signingDomain ?? '?'}:${r.status.result}`),
      dmarc: result.dmarc ? result.dmarc.status.result : 'none',
      arc: result.arc ? result.arc.status.result : 'none',
      ms: Date.now() - started,
    };
    let reject: MailError | null = null;
    if (this.opts.dmarcReject && result.dmarc && result.dmarc.status.result === 'fail' && result.dmarc.policy === 'reject') {
      const domain = result.dmarc.status.header?.from ?? result.dmarc.domain;
      reject = new MailError({ code: 550, enhanced: '5.7.1', message: `Message rejected: it fails the DMARC policy of ${domain}, which asks for rejection` });
    }
    const headers = Buffer.from(result.headers.replace(/\r?\n/g, '\r\n'), 'utf8');
    return { message: Buffer.concat([headers, stripOurAuthResults(message, this.opts.hostname)]), reject, summary };
  }
}

/** Removes Authentication-Results fields whose authserv-id is ours: only we may write those. */
export function stripOurAuthResults(message: Buffer, authservId: string): Buffer {
  return removeFields(message, claimsOurAuthResults(authservId));
}
