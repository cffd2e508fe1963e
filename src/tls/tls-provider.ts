// Every certificate the server holds, and which one a TLS handshake gets: by SNI name (from each
// certificate's subjectAltName), else the default one. Certificates come from files named in the
// config, the self-signed one, and ACME; installing one rebuilds the name index and tells every
// listener, so new connections get it at once.
import tls, { type SecureContext, type TlsOptions } from 'node:tls';
import type { Logger } from '../core/logger.ts';
import type { AcmeChallenges } from './acme-challenges.ts';
import { inspectCertificate, type CertificateInfo } from './certificate-info.ts';
import type { Pem } from './self-signed.ts';
import type { ServerTls, StartTlsOptions } from './server-tls.ts';
import { TLS_POLICY } from './tls-policy.ts';

export type CertificateSource = 'file' | 'self-signed' | 'acme';

export type InstalledCertificate = {
  id: string;
  source: CertificateSource;
  info: CertificateInfo;
  pem: Pem;
  context: SecureContext;
  /** Where a file certificate was read from. */
  files?: { cert: string; key: string };
};

export type TlsSnapshot = { certs: { id: string; source: CertificateSource; pem: Pem }[]; preferredDefault: string | null };

type SniCallback = NonNullable<TlsOptions['SNICallback']>;
type AlpnCallback = NonNullable<TlsOptions['ALPNCallback']>;

// Explicit files beat ACME, which beats the self-signed fallback.
const RANK: Record<CertificateSource, number> = { file: 3, acme: 2, 'self-signed': 1 };

export class TlsProvider {
  private readonly hostname: string;
  private readonly log: Logger;
  private readonly certs = new Map<string, InstalledCertificate>();
  private byName = new Map<string, InstalledCertificate>();
  private preferredDefault: string | null = null;
  private readonly subscribers = new Set<() => void>();
  private challenges: AcmeChallenges | null = null;
  // Sockets whose ClientHello offered acme-tls/1 for a name with a pending challenge (RFC 8737 §3):
  // the ALPN callback runs before the SNI callback, both with the socket as `this`.
  private readonly alpnValidations = new WeakSet<object>();

  constructor(opts: { hostname: string; log: Logger }) {
    this.hostname = opts.hostname.toLowerCase();
    this.log = opts.log;
  }

  /** Adds or replaces a certificate; throws (and changes nothing) when the PEMs are unusable. */
  install(id: string, source: CertificateSource, pem: Pem, files?: { cert: string; key: string }): InstalledCertificate {
    const entry = certificateEntry(id, source, pem, files);
    this.certs.set(id, entry);
    this.changed();
    const { info } = entry;
    this.log.info(
      { event: 'tls.installed', id, source, names: info.names, issuer: info.issuer, notAfter: info.validTo.toISOString() },
      `certificate ${id} (${source}) installed for ${info.names.join(', ')}`,
    );
    return entry;
  }

  remove(id: string): void {
    if (this.certs.delete(id)) this.changed();
  }

  /** The certificate clients without SNI (or with an unknown name) get; `id` pins it, else the best one for the hostname. */
  setDefault(id: string | null): void {
    this.preferredDefault = id;
    this.changed();
  }

  get(id: string): InstalledCertificate | undefined {
    return this.certs.get(id);
  }

  list(): InstalledCertificate[] {
    return [...this.certs.values()];
  }

  defaultCertificate(): InstalledCertificate {
    const pinned = this.preferredDefault ? this.certs.get(this.preferredDefault) : undefined;
    const found = pinned ?? this.byName.get(this.hostname) ?? [...this.certs.values()].sort(better)[0];
    if (!found) throw new Error('no TLS certificate installed');
    return found;
  }

  /** The certificate for an SNI name: exact name, then a wildcard one label up, then the default. */
  certificateFor(servername: string | undefined): InstalledCertificate {
    if (servername) {
      const h = servername.toLowerCase().replace(/\.$/, '');
      const exact = this.byName.get(h);
      if (exact) return exact;
      const dot = h.indexOf('.');
      const wild = dot > 0 ? this.byName.get(`*${h.slice(dot)}`) : undefined;
      if (wild) return wild;
    }
    return this.defaultCertificate();
  }

  /** Every certificate and the pinned default, for a provider in another thread (restore). */
  snapshot(): TlsSnapshot {
    return { certs: [...this.certs.values()].map((c) => ({ id: c.id, source: c.source, pem: c.pem })), preferredDefault: this.preferredDefault };
  }

  /** Makes this provider hold exactly the snapshot's certificates (a worker thread's copy of the main one). */
  restore(snap: TlsSnapshot): void {
    for (const id of [...this.certs.keys()]) if (!snap.certs.some((c) => c.id === id)) this.certs.delete(id);
    for (const c of snap.certs) {
      // Unchanged certificates keep their context; only new or replaced ones are parsed again.
      const held = this.certs.get(c.id);
      if (held?.source !== c.source || held.pem.cert !== c.pem.cert || held.pem.key !== c.pem.key) this.certs.set(c.id, certificateEntry(c.id, c.source, c.pem));
    }
    this.preferredDefault = snap.preferredDefault;
    this.changed();
  }

  /** Lets TLS listeners that name ALPN protocols answer ACME TLS-ALPN-01 validations. */
  answerAlpnChallenges(challenges: AcmeChallenges): void {
    this.challenges = challenges;
  }

  onChange(fn: () => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /**
   * The TLS a listener uses. `alpn`: the protocols it speaks (e.g. ["imap"], ["http/1.1"]); with
   * it, and ACME TLS-ALPN-01 on, the listener can answer acme-tls/1 validations. Without it no
   * ALPN is negotiated at all, as before. `name` says which listener at the call site.
   */
  forListener(name: string, opts: { alpn?: string[] } = {}): ServerTls {
    const sni = this.sniCallback();
    const alpn = opts.alpn && this.challenges ? this.alpnCallback(opts.alpn) : undefined;
    return {
      serverOptions: () => ({ ...this.defaultCertificate().pem, ...TLS_POLICY, SNICallback: sni, ...(alpn ? { ALPNCallback: alpn } : {}) }),
      startTlsOptions: (): StartTlsOptions => ({ isServer: true, secureContext: this.defaultCertificate().context, SNICallback: sni }),
      onChange: (fn) => this.onChange(fn),
    };
  }

  private sniCallback(): SniCallback {
    const pick = (socket: unknown, servername: string): SecureContext => {
      if (typeof socket === 'object' && socket !== null && this.alpnValidations.has(socket)) {
        const ctx = this.challenges?.alpnContext(servername);
        if (ctx) return ctx;
      }
      return this.certificateFor(servername).context;
    };
    // Node calls it with the TLS socket as `this`.
    return function (this: unknown, servername, cb) {
      cb(null, pick(this, servername));
    };
  }

  private alpnCallback(ours: string[]): AlpnCallback {
    const select = (socket: unknown, servername: string, protocols: string[]): string | undefined => {
      if (protocols.includes('acme-tls/1') && servername && this.challenges?.alpnContext(servername)) {
        if (typeof socket === 'object' && socket !== null) this.alpnValidations.add(socket);
        return 'acme-tls/1';
      }
      // RFC 7301 §3.2: none of the client's protocols is ours → no_application_protocol alert.
      return protocols.find((p) => ours.includes(p));
    };
    return function (this: unknown, { servername, protocols }) {
      return select(this, servername, protocols);
    };
  }

  private changed(): void {
    const byName = new Map<string, InstalledCertificate>();
    for (const c of this.certs.values()) {
      for (const n of c.info.names) {
        const held = byName.get(n);
        if (!held || better(c, held) < 0) byName.set(n, c);
      }
    }
    this.byName = byName;
    for (const fn of this.subscribers) {
      try {
        fn();
      } catch (e) {
        this.log.error({ event: 'tls.notify_failed', err: (e as Error).message }, 'a listener could not take the new certificate');
      }
    }
  }
}

/** A certificate ready to serve; throws when the PEMs are unusable. */
function certificateEntry(id: string, source: CertificateSource, pem: Pem, files?: { cert: string; key: string }): InstalledCertificate {
  const info = inspectCertificate(pem.cert, pem.key);
  return { id, source, info, pem, context: tls.createSecureContext({ ...pem, ...TLS_POLICY }), files };
}

/** Sort order: unexpired first, then by source rank, then the one valid longest. */
function better(a: InstalledCertificate, b: InstalledCertificate): number {
  const now = Date.now();
  const aLive = a.info.validTo.getTime() > now ? 1 : 0;
  const bLive = b.info.validTo.getTime() > now ? 1 : 0;
  if (aLive !== bLive) return bLive - aLive;
  if (RANK[a.source] !== RANK[b.source]) return RANK[b.source] - RANK[a.source];
  return b.info.validTo.getTime() - a.info.validTo.getTime();
}
