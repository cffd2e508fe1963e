// One delivery attempt of one message to the recipients of one destination: directly to the
// domain's MX hosts (by preference, then each host's addresses) or through the smarthost.
// Connection failures move on to the next address and host; once a server has answered the
// transaction, its replies decide (a 4xx waits for the next retry, as Postfix does).
import net from 'node:net';
import type { Logger } from '../core/logger.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { ConnectionCache } from './connection-cache.ts';
import type { MtaSts } from './mta-sts.ts';
import { addressesOf, lookupMx, type MxHost } from './mx.ts';
import { SmtpClient, type Reply, type TlsMode } from './smtp-client.ts';
import type { QueuedMessage, QueuedRecipient } from './store.ts';

export type Smarthost = {
  host: string;
  port: number;
  tls: TlsMode;
  verifyCertificate: boolean;
  auth?: { user: string; pass: string };
};

export type RemoteOptions = {
  heloName: string;
  port: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  requireTls: boolean;
};

/** What happened to one recipient in this attempt. */
export type RcptResult = {
  result: 'delivered' | 'temporary' | 'permanent';
  code: number | null;
  reply: string;
  /** RFC 3463 status when we, not the server, decided (DNS, null MX). */
  status?: string;
  host: string | null;
  /** The server took over DSN duties (it announced DSN and got our NOTIFY). */
  dsnPassedOn: boolean;
};

export type Destination = { kind: 'mx'; domain: string } | { kind: 'smarthost'; relay: Smarthost };

type Target = { name: string; port: number; tls: TlsMode; verify: boolean; auth?: { user: string; pass: string } };

export class RemoteDelivery {
  private readonly resolver: Resolver;
  private readonly cache: ConnectionCache;
  private readonly opts: RemoteOptions;
  private readonly log: Logger;
  private readonly active = new Set<SmtpClient>();
  private readonly sts: MtaSts | null;

  constructor(resolver: Resolver, cache: ConnectionCache, opts: RemoteOptions, log: Logger, sts: MtaSts | null = null) {
    this.resolver = resolver;
    this.cache = cache;
    this.opts = opts;
    this.log = log;
    this.sts = sts;
  }

  /** Drops every connection in use (shutdown after the grace time). */
  abortAll(): void {
    for (const c of this.active) c.close();
  }

  async attempt(dest: Destination, cacheKey: string, msg: QueuedMessage, rcpts: QueuedRecipient[], content: Buffer): Promise<Map<number, RcptResult>> {
    const all = (r: Omit<RcptResult, 'dsnPassedOn'>) => new Map(rcpts.map((x) => [x.id, { ...r, dsnPassedOn: false }]));
    let targets: Target[];
    if (dest.kind === 'smarthost') {
      const s = dest.relay;
      targets = [{ name: s.host, port: s.port, tls: s.tls, verify: s.verifyCertificate, auth: s.auth }];
    } else {
      const mx = await lookupMx(this.resolver, dest.domain);
      if (mx.kind === 'permanent') return all({ result: 'permanent', code: null, reply: mx.text, status: mx.status, host: null });
      if (mx.kind === 'temporary') return all({ result: 'temporary', code: null, reply: mx.text, status: '4.4.3', host: null });
      let hosts = mx.hosts;
      let verify = this.opts.requireTls;
      const rule = this.sts ? await this.sts.ruleFor(dest.domain) : null;
      if (rule) {
        const unlisted = hosts.filter((h) => !rule.allows(h.name)).map((h) => h.name);
        if (unlisted.length) this.log.info({ event: 'queue.mta_sts', qid: msg.id, domain: dest.domain, mode: rule.mode, unlisted }, 'MX hosts not in the MTA-STS policy');
        if (rule.enforce) {
          // RFC 8461 §5: only listed hosts, with TLS and a valid certificate, else try later.
          hosts = hosts.filter((h) => rule.allows(h.name));
          verify = true;
          if (hosts.length === 0) return all({ result: 'temporary', code: null, reply: `no MX host of ${dest.domain} is allowed by its MTA-STS policy`, status: '4.7.5', host: null });
        }
      }
      const tls: TlsMode = verify ? 'required' : 'opportunistic';
      targets = hosts.map((h: MxHost) => ({ name: h.name, port: this.opts.port, tls, verify }));
    }
    const base = { qid: msg.id, sid: msg.originSid ?? undefined, messageId: msg.messageId, rcpts: rcpts.map((r) => r.address) };

    // A connection left open by the previous message to this destination goes first.
    const cached = this.cache.take(cacheKey);
    if (cached) {
      const r = await this.transact(cached, cached.servername, msg, rcpts, content, base, true);
      if (r) {
        this.cache.give(cacheKey, cached);
        return r;
      }
      cached.close();
    }

    let last: Reply & { host: string | null } = { code: null, text: 'no mail server could be reached', host: null };
    for (const t of targets) {
      let ips: string[];
      if (net.isIP(t.name)) ips = [t.name];
      else {
        const a = await addressesOf(this.resolver, t.name);
        if (a.kind === 'temporary') {
          last = { code: null, text: a.text, host: t.name };
          continue;
        }
        ips = a.addresses;
        if (ips.length === 0) {
          last = { code: null, text: `${t.name} has no address records`, host: t.name };
          continue;
        }
      }
      for (const ip of ips) {
        let client: SmtpClient;
        try {
          client = await SmtpClient.connect({
            ip,
            port: t.port,
            servername: t.name,
            heloName: this.opts.heloName,
            tls: t.tls,
            verifyCertificate: t.verify,
            connectTimeoutMs: this.opts.connectTimeoutMs,
            commandTimeoutMs: this.opts.commandTimeoutMs,
            auth: t.auth,
          });
        } catch (e) {
          const err = e as Error & { responseCode?: number; response?: string; code?: string };
          last = { code: err.responseCode ?? null, text: err.response ?? `${err.code ?? 'error'}: ${err.message}`, host: t.name };
          this.log.info({ event: 'queue.attempt', ...base, host: t.name, ip, port: t.port, code: last.code, reply: last.text }, 'connection failed');
          // A relay refusing our credentials will refuse them again: that is for the admin to fix,
          // so the message waits (temporary) rather than bouncing.
          continue;
        }
        const r = await this.transact(client, t.name, msg, rcpts, content, base, false);
        if (r) {
          this.cache.give(cacheKey, client);
          return r;
        }
      }
    }
    return all({ result: 'temporary', code: last.code, reply: last.text, status: last.code ? undefined : '4.4.1', host: last.host });
  }

  /**
   * Sends the message to the recipients on an open connection, one transaction per distinct
   * NOTIFY/ORCPT when the server takes DSN parameters (they are per recipient, nodemailer sets
   * them per transaction). Null when a kept connection turns out closed (try a fresh one).
   */
  private async transact(client: SmtpClient, host: string, msg: QueuedMessage, rcpts: QueuedRecipient[], content: Buffer, base: object, reused: boolean): Promise<Map<number, RcptResult> | null> {
    this.active.add(client);
    try {
      const dsn = client.supportsDsn;
      const groups = new Map<string, QueuedRecipient[]>();
      for (const r of rcpts) {
        const k = dsn ? `${r.notify ?? ''}\n${r.orcpt ?? ''}` : '';
        groups.set(k, [...(groups.get(k) ?? []), r]);
      }
      const out = new Map<number, RcptResult>();
      let first = true;
      for (const group of groups.values()) {
        // A kept connection is RSET first: the last transaction may have ended in a refusal
        // that leaves the server mid-transaction (a new MAIL would be a "nested MAIL" error).
        if (!first || reused) {
          if (!(await client.reset())) {
            if (first) return null;
            break;
          }
        }
        first = false;
        const g0 = group[0];
        const res = await client.send(
          { from: msg.sender, to: group.map((r) => r.address), size: content.length, ret: msg.ret, envid: msg.envid, notify: dsn ? g0.notify : null, orcpt: dsn ? g0.orcpt : null },
          content,
        );
        const tls = client.tlsVersion;
        this.log.info(
          {
            event: 'queue.attempt', ...base, rcpts: group.map((r) => r.address), host, ip: client.ip, tls: tls ?? 'none',
            code: res.final.code, reply: res.final.text,
            refused: res.rejected.size ? [...res.rejected].map(([a, r]) => ({ rcpt: a, code: r.code, reply: r.text })) : undefined,
          },
          'delivery attempt',
        );
        for (const r of group) {
          const rej = res.rejected.get(r.address);
          const rep = rej ?? res.final;
          const ok = !rej && res.final.ok;
          const result = ok ? 'delivered' : rep.code !== null && rep.code >= 500 ? 'permanent' : 'temporary';
          out.set(r.id, { result, code: rep.code, reply: rep.text, host, dsnPassedOn: ok && dsn && r.notify !== null });
        }
        if (!client.usable) break;
      }
      // Recipients of groups never sent (the connection broke between transactions) wait for a retry.
      for (const r of rcpts) if (!out.has(r.id)) out.set(r.id, { result: 'temporary', code: null, reply: 'connection lost', host, dsnPassedOn: false });
      return out;
    } finally {
      this.active.delete(client);
    }
  }
}
