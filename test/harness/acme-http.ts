// Answers ACME HTTP-01 validations (RFC 8555 §8.3) from the server's pending challenges, as the
// web listener does in production: GET /.well-known/acme-challenge/TOKEN → the key authorization.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AcmeChallenges } from '../../src/tls/acme-challenges.ts';

export type AcmeHttp = { port: number; requests: string[]; close(): Promise<void> };

/** `challenges` is read per request, so this can start before the server that owns them. */
export async function startAcmeHttp(port: number, challenges: () => AcmeChallenges | undefined): Promise<AcmeHttp> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.headers.host} ${req.url}`);
    const m = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    const answer = m ? challenges()?.httpResponse(m[1]) : undefined;
    if (req.method !== 'GET' || answer === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
