// Puts the certificate pieces together from the config: the provider, the files (watched), the
// self-signed fallback, the pending ACME challenges and the ACME manager.
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { AcmeChallenges } from './acme-challenges.ts';
import { acmeCertificatePlan } from './acme/acme-names.ts';
import { AcmeManager, type AcmeManagerOptions } from './acme/acme-manager.ts';
import { AcmeStore } from './acme/acme-store.ts';
import { CertificateFileWatcher, type CertificateFiles } from './certificate-files.ts';
import { ensureSelfSigned } from './self-signed.ts';
import { TlsProvider } from './tls-provider.ts';

export type TlsService = {
  provider: TlsProvider;
  /** Shared with the web listener, which answers /.well-known/acme-challenge/TOKEN from it. */
  challenges: AcmeChallenges;
  files: CertificateFileWatcher;
  acme: AcmeManager | null;
  stop(): void;
};

export const acmeDir = (tlsDir: string): string => path.join(tlsDir, 'acme');

/** The certificate files the config names: [tls] cert/key (id "default"), then [[tls.certificates]] (id "file-N"). */
export function configuredFiles(config: Config, baseDir: string): CertificateFiles[] {
  const t = config.tls;
  if (Boolean(t.cert) !== Boolean(t.key)) throw new Error('tls.cert and tls.key must be set together');
  const abs = (f: string) => path.resolve(baseDir, f);
  const files: CertificateFiles[] = t.cert ? [{ id: 'default', cert: abs(t.cert), key: abs(t.key) }] : [];
  t.certificates.forEach((c, i) => files.push({ id: `file-${i + 1}`, cert: abs(c.cert), key: abs(c.key) }));
  return files;
}

/**
 * Loads every certificate (a broken configured file stops start-up with its reason). Without
 * [tls] cert/key the self-signed certificate for the hostname is the fallback; ACME
 * certificates take over from it as they arrive.
 */
export async function loadTls(opts: { config: Config; dataDir: string; tlsDir: string; log: Logger }): Promise<{ provider: TlsProvider; files: CertificateFileWatcher }> {
  const { config, log } = opts;
  const provider = new TlsProvider({ hostname: config.hostname, log });
  const files = new CertificateFileWatcher({ provider, files: configuredFiles(config, opts.dataDir), log, intervalMs: config.tls.reload_interval * 1000 });
  await files.loadAll();
  if (config.tls.cert) provider.setDefault('default');
  else provider.install('self-signed', 'self-signed', await ensureSelfSigned(opts.tlsDir, config.hostname));
  return { provider, files };
}

export async function startTls(opts: {
  config: Config;
  dataDir: string;
  tlsDir: string;
  listDomains: () => Promise<string[]>;
  log: Logger;
  /** Test knobs for the ACME manager (poll and backoff timers). */
  acmeTimers?: Pick<AcmeManagerOptions, 'pollMinMs' | 'backoffMinMs' | 'checkIntervalMs'>;
}): Promise<TlsService> {
  const { config } = opts;
  const log = opts.log.child({ svc: 'tls' });
  const { provider, files } = await loadTls({ ...opts, log });
  const challenges = new AcmeChallenges();
  let acme: AcmeManager | null = null;
  const t = config.tls;
  if (t.acme) {
    if (t.acme_challenges.includes('tls-alpn-01')) provider.answerAlpnChallenges(challenges);
    acme = new AcmeManager({
      directoryUrl: t.acme_directory,
      email: t.acme_email,
      acceptTerms: t.acme_accept_terms,
      challengeTypes: t.acme_challenges,
      renewDays: t.acme_renew_days,
      caFile: t.acme_ca_file ? path.resolve(opts.dataDir, t.acme_ca_file) : '',
      store: new AcmeStore(acmeDir(opts.tlsDir)),
      provider,
      challenges,
      plan: async () => acmeCertificatePlan(config.hostname, await opts.listDomains(), { domainNames: t.acme_domain_names }),
      log: log.child({ svc: 'acme' }),
      ...opts.acmeTimers,
    });
  }
  files.start();
  return {
    provider,
    challenges,
    files,
    acme,
    stop() {
      files.stop();
      acme?.stop();
    },
  };
}
