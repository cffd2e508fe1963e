// Runs `mailhaven serve` as a child process (for tests that must kill it), and waits for its
// "listening" log lines to learn the ephemeral ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/core/logger.ts';
import { hashPassword } from '../../src/directory/passwords.ts';
import { openServices } from '../../src/main.ts';
import { CLI } from './cli.ts';

export type ServerProcess = { child: ChildProcess; ports: Record<string, number>; output: () => string };

export async function spawnServer(dataDir: string, extraToml = ''): Promise<ServerProcess> {
  const config = path.join(dataDir, 'test.toml');
  const listeners = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http', 'https'].map((l) => `[${l}]\nhost = "127.0.0.1"\nport = 0\n`).join('');
  // No sender authentication on the MX and no scheduled DNS check: both would ask the machine's DNS.
  const mailAuth = /^\[mail_auth\]/m.test(extraToml) ? '' : '[mail_auth]\nenabled = false\n';
  const dnsCheck = /^\[dns_check\]/m.test(extraToml) ? '' : '[dns_check]\nenabled = false\n';
  await writeFile(config, `hostname = "mx.test.example"\n${listeners}${mailAuth}${dnsCheck}${extraToml}`);
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let pending = '';
  const ports: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const onLine = (d: Buffer) => {
      out += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as { event?: string; service?: string; port?: number };
          if (j.event === 'listening' && j.service && j.port) ports[j.service] = j.port;
          if (j.event === 'ready') {
            clearTimeout(timer);
            resolve();
          }
        } catch {
          // not a log line
        }
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return { child, ports, output: () => out };
}

/** A fresh data directory with one domain and one account, made before any server runs. */
export async function seedDataDir(prefix: string, address: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const s = openServices(dir, silentLogger());
  const [local, domain] = address.split('@');
  await s.directory.addDomain(domain);
  const acc = await s.directory.addAccount({ local, domain, passwordHash: await hashPassword('x'), quota: 0 });
  await s.store.createAccount(acc);
  await s.close();
  return dir;
}
