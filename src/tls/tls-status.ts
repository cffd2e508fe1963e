// What `mailhaven tls status` reports: every certificate the server would use (files from the
// config, the self-signed one, ACME's), its names, issuer and expiry, and where it is served.
// Read from the config and data/tls/ without starting anything or writing a file.
import { existsSync } from 'node:fs';
import { readPair } from './certificate-files.ts';
import type { Config } from '../config/schema.ts';
import { silentLogger } from '../core/logger.ts';
import { acmeCertificatePlan } from './acme/acme-names.ts';
import { AcmeStore } from './acme/acme-store.ts';
import { daysLeft } from './certificate-info.ts';
import { selfSignedPaths } from './self-signed.ts';
import { acmeDir, configuredFiles } from './tls-service.ts';
import { TlsProvider, type CertificateSource } from './tls-provider.ts';

export type CertificateStatus = {
  id: string;
  source: CertificateSource;
  files: { cert: string; key: string } | null;
  names: string[];
  issuer: string | null;
  notAfter: string | null;
  daysLeft: number | null;
  /** Served to clients without SNI or with a name no certificate has. */
  isDefault: boolean;
  /** The names for which SNI picks this certificate. */
  servedFor: string[];
  /** TLS listeners that present it (every TLS listener serves every certificate). */
  listeners: string[];
  error: string | null;
};

export type TlsStatus = { hostname: string; acme: boolean; listeners: string[]; certificates: CertificateStatus[] };

/** The TLS listeners the config turns on, named as the server names them. */
export function tlsListenerNames(config: Config): string[] {
  const sections: Record<string, { enabled: boolean } | undefined> = { ...(config as unknown as Record<string, { enabled: boolean }>) };
  // Listeners other parts add (submission, web) appear here once their config section exists.
  const known = ['smtp', 'lmtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'web', 'https'];
  return known.filter((n) => sections[n]?.enabled === true);
}

export async function tlsStatus(opts: { config: Config; dataDir: string; tlsDir: string; domains: string[] }): Promise<TlsStatus> {
  const { config } = opts;
  const provider = new TlsProvider({ hostname: config.hostname, log: silentLogger() });
  const entries: CertificateStatus[] = [];
  const listeners = tlsListenerNames(config);
  const add = async (id: string, source: CertificateSource, files: { cert: string; key: string } | null, read: () => Promise<{ cert: string; key: string } | null>) => {
    const base: CertificateStatus = { id, source, files, names: [], issuer: null, notAfter: null, daysLeft: null, isDefault: false, servedFor: [], listeners, error: null };
    try {
      const pem = await read();
      if (!pem) return;
      const { info } = provider.install(id, source, pem, files ?? undefined);
      entries.push({ ...base, names: info.names, issuer: info.issuer, notAfter: info.validTo.toISOString(), daysLeft: daysLeft(info.validTo) });
    } catch (e) {
      entries.push({ ...base, error: (e as Error).message });
    }
  };

  for (const f of configuredFiles(config, opts.dataDir)) await add(f.id, 'file', { cert: f.cert, key: f.key }, () => readPair(f));
  if (!config.tls.cert) {
    const f = selfSignedPaths(opts.tlsDir, config.hostname);
    await add('self-signed', 'self-signed', f, async () => (existsSync(f.cert) ? readPair(f) : null));
  }
  if (config.tls.acme) {
    const store = new AcmeStore(acmeDir(opts.tlsDir));
    for (const p of acmeCertificatePlan(config.hostname, opts.domains, { domainNames: config.tls.acme_domain_names })) {
      await add(p.id, 'acme', { cert: `${store.dir}/${p.id}.crt`, key: `${store.dir}/${p.id}.key` }, async () => {
        const stored = await store.read(p.id);
        if (!stored) throw new Error(`not obtained yet for ${p.names.join(', ')} (the server's log says why: event acme.failed)`);
        return stored.pem;
      });
    }
  }
  if (config.tls.cert && provider.get('default')) provider.setDefault('default');

  if (provider.list().length > 0) {
    const def = provider.defaultCertificate().id;
    for (const e of entries) {
      e.isDefault = e.id === def;
      e.servedFor = e.names.filter((n) => provider.certificateFor(n.replace(/^\*\./, 'x.')).id === e.id);
    }
  }
  return { hostname: config.hostname, acme: config.tls.acme, listeners, certificates: entries };
}

export function formatTlsStatus(s: TlsStatus): string {
  const lines: string[] = [];
  if (s.certificates.length === 0) lines.push('no certificate yet (the server makes a self-signed one on first start)');
  for (const c of s.certificates) {
    lines.push(`${c.id}  (${c.source === 'acme' ? 'ACME' : c.source === 'file' ? 'file' : 'self-signed'})${c.isDefault ? '  [default]' : ''}`);
    if (c.files) lines.push(`  file:      ${c.files.cert}`);
    if (c.error) {
      lines.push(`  ERROR:     ${c.error}`);
    } else {
      lines.push(`  names:     ${c.names.join(', ')}`);
      lines.push(`  issuer:    ${c.issuer}`);
      lines.push(`  expires:   ${c.notAfter} (${c.daysLeft! < 0 ? `EXPIRED ${-c.daysLeft!} days ago` : `${c.daysLeft} days left`})`);
      const sni = c.servedFor.length ? `SNI ${c.servedFor.join(', ')}` : '';
      const where = c.isDefault ? [sni, 'default for other names and clients without SNI'].filter(Boolean).join('; ') : sni || 'nothing (another certificate wins for its names)';
      lines.push(`  served:    ${where}`);
      lines.push(`  listeners: ${c.listeners.join(', ') || 'none enabled'}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
