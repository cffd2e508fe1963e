// Keeps ACME certificates current: at start it installs the stored ones, then checks at once
// and daily; a certificate missing, for other names, from another CA or with fewer than
// renewDays left is ordered again. A failure is logged with the CA's reason, the certificate in
// use stays, and that certificate waits out a growing backoff (15 min doubling to a day) so a
// broken DNS record does not run into the CA's rate limits.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { Client } from 'acme-client';
import type { Logger } from '../../core/logger.ts';
import type { AcmeChallenges } from '../acme-challenges.ts';
import { daysLeft, inspectCertificate } from '../certificate-info.ts';
import type { TlsProvider } from '../tls-provider.ts';
import type { AcmeCertificatePlan } from './acme-names.ts';
import { orderCertificate, type ChallengeType } from './acme-order.ts';
import type { AcmeStore } from './acme-store.ts';

type AcmeModule = typeof import('acme-client');

export type AcmeManagerOptions = {
  directoryUrl: string;
  email: string;
  acceptTerms: boolean;
  challengeTypes: readonly ChallengeType[];
  renewDays: number;
  /** PEM CA file trusted for the directory's origin only (private CA, tests). */
  caFile: string;
  store: AcmeStore;
  provider: TlsProvider;
  challenges: AcmeChallenges;
  /** The certificates wanted now (recomputed on every check: domains come and go). */
  plan: () => Promise<AcmeCertificatePlan[]>;
  log: Logger;
  checkIntervalMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** How often acme-client polls a pending challenge/order (its default waits 5 s first). */
  pollMinMs?: number;
};

export type AcmeOutcome = { id: string; result: 'kept' | 'obtained' | 'failed' | 'waiting'; error?: string };

export class AcmeManager {
  private readonly o: AcmeManagerOptions;
  private readonly log: Logger;
  private client: Client | null = null;
  private acme: AcmeModule | null = null;
  private accountReady = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<AcmeOutcome[]> | null = null;
  private stopped = false;
  private ejectInterceptor: (() => void) | null = null;
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  constructor(opts: AcmeManagerOptions) {
    this.o = opts;
    this.log = opts.log;
  }

  /** Installs stored certificates, then runs the first check in the background. */
  async start(): Promise<void> {
    for (const p of await this.o.plan()) {
      const stored = await this.o.store.read(p.id).catch(() => null);
      if (!stored) continue;
      try {
        this.o.provider.install(p.id, 'acme', stored.pem);
      } catch (e) {
        this.log.warn({ event: 'acme.stored_unusable', id: p.id, err: (e as Error).message }, 'stored ACME certificate unusable; ordering a new one');
      }
    }
    void this.check();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ejectInterceptor?.();
  }

  /** A pass over the plan that starts after this call, queued behind one in progress (start, the daily timer, a caller who just added a domain). */
  check(): Promise<AcmeOutcome[]> {
    // A pass never rejects: callers start it with `void`, and an unhandled rejection would end the server.
    const pass = () =>
      this.pass().catch((e: unknown) => {
        this.log.error({ event: 'acme.failed', err: (e as Error).message }, 'ACME check failed');
        return [] as AcmeOutcome[];
      });
    const next: Promise<AcmeOutcome[]> = (this.running ?? Promise.resolve([])).then(pass).finally(() => {
      if (this.running !== next) return;
      this.running = null;
      this.schedule();
    });
    this.running = next;
    return next;
  }

  private async pass(): Promise<AcmeOutcome[]> {
    const out: AcmeOutcome[] = [];
    let plan: AcmeCertificatePlan[];
    try {
      plan = await this.o.plan();
    } catch (e) {
      this.log.error({ event: 'acme.plan_failed', err: (e as Error).message }, 'could not list the names for ACME');
      return out;
    }
    for (const p of plan) {
      if (this.stopped) break;
      const reason = await this.renewalReason(p);
      if (!reason) {
        out.push({ id: p.id, result: 'kept' });
        continue;
      }
      const failure = this.failures.get(p.id);
      if (failure && failure.retryAt > Date.now()) {
        out.push({ id: p.id, result: 'waiting' });
        continue;
      }
      out.push(await this.obtain(p, reason));
    }
    return out;
  }

  /** Why a certificate must be ordered, or null when the stored one is good. */
  private async renewalReason(p: AcmeCertificatePlan): Promise<string | null> {
    const stored = await this.o.store.read(p.id).catch(() => null);
    if (!stored) return 'none yet';
    if (stored.meta.directory !== this.o.directoryUrl) return `issued by another CA directory (${stored.meta.directory})`;
    if ([...stored.meta.names].sort().join() !== [...p.names].sort().join()) return 'names changed';
    try {
      const left = daysLeft(inspectCertificate(stored.pem.cert, stored.pem.key).validTo);
      return left < this.o.renewDays ? `${left} days left` : null;
    } catch (e) {
      return `stored certificate unusable: ${(e as Error).message}`;
    }
  }

  private async obtain(p: AcmeCertificatePlan, reason: string): Promise<AcmeOutcome> {
    const started = Date.now();
    this.log.info({ event: 'acme.order', id: p.id, names: p.names, reason, directory: this.o.directoryUrl }, `ordering a certificate for ${p.names.join(', ')} (${reason})`);
    try {
      const { acme, client } = await this.connect();
      const pem = await orderCertificate({
        acme,
        client,
        names: p.names,
        challengeTypes: this.o.challengeTypes,
        challenges: this.o.challenges,
        log: this.log.child({ acme: p.id }),
        stopped: () => this.stopped,
      });
      await this.o.store.write(p.id, pem, { directory: this.o.directoryUrl, names: p.names, obtained: new Date().toISOString() });
      const entry = this.o.provider.install(p.id, 'acme', pem);
      this.failures.delete(p.id);
      this.log.info(
        { event: 'acme.obtained', id: p.id, names: p.names, notAfter: entry.info.validTo.toISOString(), ms: Date.now() - started },
        `certificate for ${p.names.join(', ')} obtained, valid until ${entry.info.validTo.toISOString()}`,
      );
      return { id: p.id, result: 'obtained' };
    } catch (e) {
      const message = (e as Error).message;
      if (this.stopped) return { id: p.id, result: 'failed', error: message };
      const count = (this.failures.get(p.id)?.count ?? 0) + 1;
      const wait = Math.min((this.o.backoffMinMs ?? 15 * 60_000) * 2 ** (count - 1), this.o.backoffMaxMs ?? 86_400_000);
      this.failures.set(p.id, { count, retryAt: Date.now() + wait });
      this.log.error(
        { event: 'acme.failed', id: p.id, names: p.names, err: message, attempt: count, retryInS: Math.round(wait / 1000) },
        `ACME could not get a certificate for ${p.names.join(', ')}: ${message}. Keeping the certificate in use; next try in ${Math.round(wait / 60_000)} min`,
      );
      return { id: p.id, result: 'failed', error: message };
    }
  }

  /** The client and the account (RFC 8555 §7.3), made once. */
  private async connect(): Promise<{ acme: AcmeModule; client: Client }> {
    // Loaded only when ACME is on: the library brings an X.509 toolkit and an HTTP client.
    this.acme ??= await import('acme-client');
    const acme = this.acme;
    if (!this.client) {
      if (this.o.caFile && !this.ejectInterceptor) this.trustForDirectory(acme, readFileSync(this.o.caFile, 'utf8'));
      const accountKey = await this.o.store.accountKey(this.o.directoryUrl, () => acme.crypto.createPrivateEcdsaKey('P-256'));
      const poll = this.o.pollMinMs;
      this.client = new acme.Client({
        directoryUrl: this.o.directoryUrl,
        accountKey,
        ...(poll ? { backoffMin: poll, backoffMax: poll * 8, backoffAttempts: 20 } : {}),
      });
    }
    if (!this.accountReady) {
      try {
        await this.client.createAccount({
          termsOfServiceAgreed: this.o.acceptTerms,
          ...(this.o.email ? { contact: [`mailto:${this.o.email}`] } : {}),
        });
      } catch (e) {
        throw new Error(`registering the ACME account at ${this.o.directoryUrl}: ${(e as Error).message}`, { cause: e });
      }
      this.accountReady = true;
    }
    return { acme, client: this.client };
  }

  /** acme-client shares one HTTP client: the extra CA applies to requests to the directory's origin only. */
  private trustForDirectory(acme: AcmeModule, ca: string): void {
    const origin = new URL(this.o.directoryUrl).origin;
    const agent = new https.Agent({ ca, keepAlive: false });
    const id = acme.axios.interceptors.request.use((config) => {
      if (config.url && new URL(config.url, origin).origin === origin) config.httpsAgent = agent;
      return config;
    });
    this.ejectInterceptor = () => acme.axios.interceptors.request.eject(id);
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const daily = this.o.checkIntervalMs ?? 86_400_000;
    const soonest = Math.min(...[...this.failures.values()].map((f) => f.retryAt - Date.now()), daily);
    this.timer = setTimeout(() => {
      if (!this.running) void this.check();
    }, Math.max(soonest, 1000));
    this.timer.unref();
  }
}
