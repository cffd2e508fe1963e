// data/tls/acme/: the ACME account key (one per CA directory) and, per certificate id,
// ID.crt (chain), ID.key (0600) and ID.json (which CA, which names, when). Files are written
// to a temporary name and renamed, so a crash never leaves half a certificate.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pem } from '../self-signed.ts';

export type AcmeMeta = { directory: string; names: string[]; obtained: string };

export class AcmeStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The account key for a CA directory, made by `create` the first time. */
  async accountKey(directoryUrl: string, create: () => Promise<Buffer>): Promise<Buffer> {
    const host = new URL(directoryUrl).host.replace(/[^A-Za-z0-9.-]/g, '_');
    const file = path.join(this.dir, `account-${host}.key`);
    try {
      return await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const key = await create();
    await this.put(file, key, 0o600);
    return key;
  }

  async read(id: string): Promise<{ pem: Pem; meta: AcmeMeta } | null> {
    const base = this.base(id);
    try {
      const [cert, key, meta] = await Promise.all([readFile(`${base}.crt`, 'utf8'), readFile(`${base}.key`, 'utf8'), readFile(`${base}.json`, 'utf8')]);
      const m = JSON.parse(meta) as Partial<AcmeMeta>;
      // A hand-edited or half-written meta file: as if nothing were stored, so it is ordered again.
      if (typeof m.directory !== 'string' || !Array.isArray(m.names) || typeof m.obtained !== 'string') return null;
      return { pem: { cert, key }, meta: m as AcmeMeta };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async write(id: string, pem: Pem, meta: AcmeMeta): Promise<void> {
    const base = this.base(id);
    await this.put(`${base}.key`, pem.key, 0o600);
    await this.put(`${base}.crt`, pem.cert, 0o644);
    await this.put(`${base}.json`, `${JSON.stringify(meta, null, 2)}\n`, 0o644);
  }

  private base(id: string): string {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(id)) throw new Error(`not a certificate id: ${id}`);
    return path.join(this.dir, id);
  }

  private async put(file: string, data: string | Buffer, mode: number): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, data, { mode });
    await rename(tmp, file);
  }
}
