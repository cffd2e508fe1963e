// The MTA-STS policy (RFC 8461 §3.3): https://mta-sts.DOMAIN/.well-known/mta-sts.txt for each
// hosted domain, text/plain, 200 only (senders treat redirects as failures).
import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../deps.ts';
import { domainUnder, requestHost } from '../host.ts';

export function registerMtaSts(app: FastifyInstance, deps: WebDeps): void {
  app.get('/.well-known/mta-sts.txt', async (req, reply) => {
    const domain = domainUnder(requestHost(req), 'mta-sts.');
    const policy = deps.mtaStsPolicy();
    if (!domain || policy === null || !(await deps.directory.hasDomain(domain))) {
      return reply.code(404).type('text/plain; charset=utf-8').send('no MTA-STS policy for this host\n');
    }
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'max-age=300').send(policy);
  });
}
