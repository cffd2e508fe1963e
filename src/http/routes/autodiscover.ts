// Outlook autodiscover, the plain-XML ("POX") protocol: POST /autodiscover/autodiscover.xml
// with <Autodiscover><Request><EMailAddress>…; the answer lists IMAP, POP3 and SMTP in the
// "outlook" response schema (2006a). The request is read with a strict, bounded extraction,
// never an XML parser: no DTDs, no entities, nothing fetched (no XXE, no entity expansion).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { preferred, type Endpoint } from '../../setup/client-settings.ts';
import type { WebDeps } from '../deps.ts';
import { addressParam } from '../host.ts';
import { xmlEscape } from '../xml.ts';

const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const OUTLOOK_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** The one field we need, or an error message for the 400 answer. */
export function extractEmailAddress(body: string): { ok: true; email: string } | { ok: false; reason: string } {
  if (/<!(DOCTYPE|ENTITY)/i.test(body)) return { ok: false, reason: 'DTDs and entities are not accepted' };
  if (!/<(?:[A-Za-z_][\w.-]*:)?Autodiscover[\s>]/.test(body)) return { ok: false, reason: 'not an Autodiscover request' };
  const found = [...body.matchAll(/<((?:[A-Za-z_][\w.-]*:)?)EMailAddress>([^<>&]{1,320})<\/\1EMailAddress>/g)];
  if (found.length !== 1) return { ok: false, reason: found.length ? 'more than one EMailAddress' : 'no EMailAddress' };
  return { ok: true, email: found[0][2].trim() };
}

export function registerAutodiscover(app: FastifyInstance, deps: WebDeps): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const body = typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const got = extractEmailAddress(body);
    const address = got.ok ? addressParam(got.email) : null;
    if (!address) return reply.code(400).type('application/xml; charset=utf-8').send(errorXml(got.ok ? 'invalid EMailAddress' : got.reason));
    // ActiveSync clients ask for the mobilesync schema; we only offer IMAP/POP3/SMTP.
    if (/AcceptableResponseSchema>[^<]*mobilesync/i.test(body)) return reply.code(404).type('application/xml; charset=utf-8').send(errorXml('only the Outlook (IMAP/POP3/SMTP) schema is offered'));
    if (!(await deps.directory.hasDomain(address.domain))) return reply.code(404).type('application/xml; charset=utf-8').send(errorXml('no mail settings for this domain'));
    return reply.type('application/xml; charset=utf-8').header('cache-control', 'no-store').send(autodiscoverXml(address.address, deps.hostname, deps.endpoints()));
  };
  for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) app.post(path, handler);
}

export function autodiscoverXml(address: string, hostname: string, endpoints: Endpoint[]): string {
  const protocol = (type: string, e: Endpoint | undefined) =>
    !e
      ? []
      : [
          '      <Protocol>',
          `        <Type>${type}</Type>`,
          `        <Server>${xmlEscape(hostname)}</Server>`,
          `        <Port>${e.port}</Port>`,
          '        <DomainRequired>off</DomainRequired>',
          `        <LoginName>${xmlEscape(address)}</LoginName>`,
          '        <SPA>off</SPA>',
          // Encryption overrides SSL when both are present: SSL = implicit TLS, TLS = STARTTLS.
          '        <SSL>on</SSL>',
          `        <Encryption>${e.security === 'tls' ? 'SSL' : 'TLS'}</Encryption>`,
          '        <AuthRequired>on</AuthRequired>',
          ...(type === 'SMTP' ? ['        <UsePOPAuth>on</UsePOPAuth>', '        <SMTPLast>off</SMTPLast>'] : []),
          '      </Protocol>',
        ];
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${RESPONSE_NS}">`,
    `  <Response xmlns="${OUTLOOK_NS}">`,
    '    <Account>',
    '      <AccountType>email</AccountType>',
    '      <Action>settings</Action>',
    ...protocol('IMAP', preferred(endpoints, 'imap')),
    ...protocol('POP3', preferred(endpoints, 'pop3')),
    ...protocol('SMTP', preferred(endpoints, 'smtp')),
    '    </Account>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}

function errorXml(message: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${RESPONSE_NS}">`,
    '  <Response>',
    `    <Error Time="${new Date().toISOString().slice(11, 19)}" Id="0">`,
    '      <ErrorCode>600</ErrorCode>',
    `      <Message>${xmlEscape(message)}</Message>`,
    '      <DebugData />',
    '    </Error>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}
