// One ACME order (RFC 8555 §7.4): create it, prove control of each name with HTTP-01
// (§8.3, via the web listener) or TLS-ALPN-01 (RFC 8737, via a TLS listener with ALPN),
// finalise with a fresh key's CSR, download the chain. Errors carry the CA's problem detail.
import tls from 'node:tls';
import type { Client } from 'acme-client';
import type { Logger } from '../../core/logger.ts';
import type { AcmeChallenges } from '../acme-challenges.ts';
import type { Pem } from '../self-signed.ts';
import { TLS_POLICY } from '../tls-policy.ts';

export type ChallengeType = 'http-01' | 'tls-alpn-01';

type AcmeModule = typeof import('acme-client');
type Authorization = Awaited<ReturnType<Client['getAuthorizations']>>[number];
type Challenge = Authorization['challenges'][number];

export class AcmeError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'AcmeError';
  }
}

export async function orderCertificate(opts: {
  acme: AcmeModule;
  client: Client;
  names: string[];
  challengeTypes: readonly ChallengeType[];
  challenges: AcmeChallenges;
  log: Logger;
  /** Checked between steps: stop() of the manager ends an order early. */
  stopped: () => boolean;
}): Promise<Pem> {
  const { acme, client, names, log } = opts;
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (opts.stopped()) throw new AcmeError('stopped', null);
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AcmeError) throw e;
      throw new AcmeError(`${what}: ${(e as Error).message}`, e);
    }
  };

  const order = await step('creating the order', () => client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) }));
  const authorizations = await step('reading the authorizations', () => client.getAuthorizations(order));
  for (const authz of authorizations) {
    if (authz.status === 'valid') continue;
    const name = authz.identifier.value;
    const challenge = pick(authz.challenges, opts.challengeTypes);
    if (!challenge) {
      throw new AcmeError(`${name}: the CA offers none of the challenge types ${opts.challengeTypes.join(', ')} (offered: ${authz.challenges.map((c) => c.type).join(', ')})`, null);
    }
    const keyAuthorization = await step(`${name}: key authorization`, () => client.getChallengeKeyAuthorization(challenge));
    const type = challenge.type as ChallengeType;
    if (type === 'http-01') {
      opts.challenges.setHttp(challenge.token, keyAuthorization);
    } else {
      const [key, cert] = await step(`${name}: TLS-ALPN-01 certificate`, async () =>
        acme.crypto.createAlpnCertificate(authz, keyAuthorization, await acme.crypto.createPrivateEcdsaKey('P-256')),
      );
      opts.challenges.setAlpn(name, tls.createSecureContext({ key, cert, minVersion: TLS_POLICY.minVersion }));
    }
    log.info({ event: 'acme.challenge', name, type }, `answering ${type} for ${name}`);
    try {
      await step(`${name}: ${type} challenge`, async () => {
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      });
    } catch (e) {
      // RFC 8555 §7.5.2: give the authorization up so the CA does not keep it pending.
      await client.deactivateAuthorization(authz).catch(() => undefined);
      throw e;
    } finally {
      if (type === 'http-01') opts.challenges.deleteHttp(challenge.token);
      else opts.challenges.deleteAlpn(name);
    }
  }
  const [key, csr] = await step('making the CSR', async () => acme.crypto.createCsr({ commonName: names[0], altNames: names }, await acme.crypto.createPrivateEcdsaKey('P-256')));
  const finalized = await step('finalizing the order', () => client.finalizeOrder(order, csr));
  const cert = await step('downloading the certificate', () => client.getCertificate(finalized));
  return { cert, key: key.toString() };
}

function pick(offered: Challenge[], preference: readonly ChallengeType[]): Challenge | undefined {
  for (const type of preference) {
    const c = offered.find((x) => x.type === type && x.status !== 'invalid');
    if (c) return c;
  }
  return undefined;
}
