// ACME HTTP-01 (RFC 8555 §8.3): the key authorisation for a pending token, as text/plain.
import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../deps.ts';

export function registerAcmeChallenge(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: { token: string } }>('/.well-known/acme-challenge/:token', async (req, reply) => {
    // Tokens are base64url (RFC 8555 §8.1); anything else cannot be ours.
    const token = req.params.token;
    const answer = /^[A-Za-z0-9_-]{1,128}$/.test(token) ? deps.acme.httpResponse(token) : undefined;
    if (answer === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('no such challenge\n');
    return reply.type('text/plain').header('cache-control', 'no-store').send(answer);
  });
}
