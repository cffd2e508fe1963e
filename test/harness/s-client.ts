// `openssl s_client` against our listeners: which certificate a handshake got, or that it failed.
import { X509Certificate } from 'node:crypto';
import { run } from './tools.ts';

export type Handshake = { ok: boolean; fingerprint: string | null; subject: string | null; issuer: string | null; protocol: string | null; output: string };

/**
 * servername: the SNI name, or null to send none. starttls: "smtp", "imap", "pop3" for the
 * plain listeners. extra: more s_client flags (-tls1_1, -cipher …).
 */
export async function sClient(port: number, opts: { servername: string | null; starttls?: string; extra?: string[] }): Promise<Handshake> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, ...(opts.servername ? ['-servername', opts.servername] : ['-noservername'])];
  if (opts.starttls) args.push('-starttls', opts.starttls);
  args.push(...(opts.extra ?? []));
  const r = await run('openssl', args, { input: '', timeoutMs: 10_000 });
  const output = `${r.stdout}\n${r.stderr}`;
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
  const x = pem ? new X509Certificate(pem) : null;
  return {
    ok: r.code === 0 && x !== null,
    fingerprint: x?.fingerprint256 ?? null,
    subject: x?.subject ?? null,
    issuer: x?.issuer ?? null,
    protocol: /Protocol\s*:\s*(\S+)/.exec(r.stdout)?.[1] ?? /New, (TLSv[\d.]+)/.exec(r.stdout)?.[1] ?? null,
    output,
  };
}
