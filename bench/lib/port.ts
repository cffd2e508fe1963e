/**
 * Loopback ports for a benchmark: a free one to put a server on, and waiting until the server
 * there greets (SMTP `220`, IMAP `* OK`).
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** What a server's first line looks like, and what to say to leave politely. */
export interface Greeting {
  pattern: RegExp;
  bye: string;
}

export const SMTP_GREETING: Greeting = { pattern: /^220[ -]/, bye: 'QUIT\r\n' };
export const IMAP_GREETING: Greeting = { pattern: /^\* OK/, bye: 'a LOGOUT\r\n' };

/** Resolves true once the port answers with the greeting (then says goodbye), false otherwise. */
export function greets(port: number, greeting: Greeting): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (greeting.pattern.test(buf) && buf.includes('\n')) {
        sock.write(greeting.bye);
        sock.end();
        done(true);
      } else if (buf.includes('\n')) {
        done(false);
      }
    });
  });
}

/** Polls until the server on `port` greets; throws if it dies (`assertAlive`) or takes too long. */
export async function waitForGreeting(
  port: number,
  greeting: Greeting,
  server: { assertAlive(): void },
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    server.assertAlive();
    if (await greets(port, greeting)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not greet on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}
