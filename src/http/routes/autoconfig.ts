// Thunderbird autoconfig (the "clientConfig" format, version 1.1): asked for at
// https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml and
// http(s)://autoconfig.DOMAIN/mail/config-v1.1.xml, with ?emailaddress= in both.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint } from '../../setup/client-settings.ts';
import type { WebDeps } from '../deps.ts';
import { addressParam, domainUnder, requestHost } from '../host.ts';
import { xmlEscape } from '../xml.ts';

type Query = { Querystring: { emailaddress?: string } };

export function registerAutoconfig(app: FastifyInstance, deps: WebDeps): void {
  const handler = async (req: FastifyRequest<Query>, reply: FastifyReply) => {
    const host = requestHost(req);
    const fromAddress = addressParam(req.query.emailaddress)?.domain;
    const domain = fromAddress ?? domainUnder(host, 'autoconfig.') ?? host;
    if (!domain || !(await deps.directory.hasDomain(domain))) {
      return reply.code(404).type('text/plain; charset=utf-8').send('no mail settings for this domain\n');
    }
    return reply.type('application/xml; charset=utf-8').header('cache-control', 'max-age=3600').send(autoconfigXml(domain, deps.hostname, deps.endpoints()));
  };
  app.get('/.well-known/autoconfig/mail/config-v1.1.xml', handler);
  app.get('/mail/config-v1.1.xml', handler);
}

export function autoconfigXml(domain: string, hostname: string, endpoints: Endpoint[]): string {
  const server = (e: Endpoint) => {
    const tag = e.protocol === 'smtp' ? 'outgoingServer' : 'incomingServer';
    return [
      `    <${tag} type="${e.protocol}">`,
      `      <hostname>${xmlEscape(hostname)}</hostname>`,
      `      <port>${e.port}</port>`,
      `      <socketType>${e.security === 'tls' ? 'SSL' : 'STARTTLS'}</socketType>`,
      `      <authentication>password-cleartext</authentication>`,
      `      <username>%EMAILADDRESS%</username>`,
      `    </${tag}>`,
    ].join('\n');
  };
  const incoming = endpoints.filter((e) => e.protocol !== 'smtp');
  const outgoing = endpoints.filter((e) => e.protocol === 'smtp');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${xmlEscape(domain)}">`,
    `    <domain>${xmlEscape(domain)}</domain>`,
    `    <displayName>${xmlEscape(domain)} mail</displayName>`,
    `    <displayShortName>${xmlEscape(domain.split('.')[0])}</displayShortName>`,
    ...incoming.map(server),
    ...outgoing.map(server),
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}
