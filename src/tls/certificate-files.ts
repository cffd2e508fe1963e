// Certificates from PEM files named in the config, reloaded when the files change. A cheap
// stat (mtime, size, inode) of each pair per interval; a changed pair is read and installed,
// and a broken one is logged and the certificate in use kept.
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '../core/logger.ts';
import type { TlsProvider } from './tls-provider.ts';

export type CertificateFiles = { id: string; cert: string; key: string };

type Stamp = string;

export class CertificateFileWatcher {
  private readonly provider: TlsProvider;
  private readonly files: CertificateFiles[];
  private readonly log: Logger;
  private readonly intervalMs: number;
  /** What was last installed (or last failed) per id, so a file is read only when it changed. */
  private readonly seen = new Map<string, Stamp>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(opts: { provider: TlsProvider; files: CertificateFiles[]; log: Logger; intervalMs: number }) {
    this.provider = opts.provider;
    this.files = opts.files;
    this.log = opts.log;
    this.intervalMs = opts.intervalMs;
  }

  /** Reads every pair; at start-up a broken file is an error, not a warning. */
  async loadAll(): Promise<void> {
    for (const f of this.files) {
      const s = await stamp(f);
      try {
        this.provider.install(f.id, 'file', await readPair(f), { cert: f.cert, key: f.key });
      } catch (e) {
        throw new Error(`TLS certificate ${f.cert} with key ${f.key}: ${(e as Error).message}`, { cause: e });
      }
      this.seen.set(f.id, s);
    }
  }

  start(): void {
    if (this.intervalMs <= 0 || this.files.length === 0) return;
    this.timer = setInterval(() => {
      if (!this.checking) void this.check();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A pass over the files that starts after this call (queued behind one in progress). */
  check(): Promise<void> {
    const next: Promise<void> = (this.checking ?? Promise.resolve()).then(() => this.pass()).finally(() => {
      if (this.checking === next) this.checking = null;
    });
    this.checking = next;
    return next;
  }

  private async pass(): Promise<void> {
    for (const f of this.files) {
      let s: Stamp;
      try {
        s = await stamp(f);
      } catch (e) {
        // A file being replaced may be missing for a moment; say so once per state.
        s = `missing:${(e as NodeJS.ErrnoException).code}`;
        if (this.seen.get(f.id) !== s) this.log.warn({ event: 'tls.reload_failed', id: f.id, cert: f.cert, key: f.key, err: (e as Error).message }, 'certificate file unreadable; keeping the one in use');
        this.seen.set(f.id, s);
        continue;
      }
      if (this.seen.get(f.id) === s) continue;
      this.seen.set(f.id, s);
      try {
        const entry = this.provider.install(f.id, 'file', await readPair(f), { cert: f.cert, key: f.key });
        this.log.info({ event: 'tls.reloaded', id: f.id, cert: f.cert, names: entry.info.names, notAfter: entry.info.validTo.toISOString() }, `reloaded certificate ${f.cert}`);
      } catch (e) {
        this.log.warn({ event: 'tls.reload_failed', id: f.id, cert: f.cert, key: f.key, err: (e as Error).message }, `new certificate ${f.cert} not usable (${(e as Error).message}); keeping the one in use`);
      }
    }
  }
}

/** A certificate and its key, read together. */
export async function readPair(f: { cert: string; key: string }): Promise<{ cert: string; key: string }> {
  const [cert, key] = await Promise.all([readFile(f.cert, 'utf8'), readFile(f.key, 'utf8')]);
  return { cert, key };
}

async function stamp(f: CertificateFiles): Promise<Stamp> {
  const [c, k] = await Promise.all([stat(f.cert), stat(f.key)]);
  return `${c.mtimeMs}:${c.size}:${c.ino}/${k.mtimeMs}:${k.size}:${k.ino}`;
}
