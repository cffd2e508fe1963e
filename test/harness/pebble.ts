// Pebble, Let's Encrypt's test CA (Debian package pebble), on loopback: its HTTPS directory
// uses a throwaway CA of ours, and it resolves names through the test DNS server and validates
// HTTP-01 and TLS-ALPN-01 on the ports the test gives it.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeCa, makeLeaf } from './certs.ts';

export type Pebble = { directoryUrl: string; caFile: string; output: () => string; close(): Promise<void> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startPebble(opts: { dir: string; dnsServer: string; httpPort: number; tlsPort: number }): Promise<Pebble> {
  const ca = makeCa(opts.dir, 'Pebble Directory Test CA');
  const leaf = makeLeaf(ca, opts.dir, 'pebble-wfe', ['localhost', '127.0.0.1']);
  const [port, mgmt] = [await freePort(), await freePort()];
  const config = path.join(opts.dir, 'pebble.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: leaf.cert,
        privateKey: leaf.key,
        httpPort: opts.httpPort,
        tlsPort: opts.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child = spawn('pebble', ['-config', config, '-dnsserver', opts.dnsServer], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pebble exited: ${out}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`pebble did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    directoryUrl: `https://127.0.0.1:${port}/dir`,
    caFile: ca.cert,
    output: () => out,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
