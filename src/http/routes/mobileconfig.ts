// An Apple configuration profile (.mobileconfig) with one mail account, for iOS and macOS
// Mail. It is not signed, so devices show it as "Unverified" before installing; it carries no
// password (the device asks for it). UUIDs are derived from the address and host name, so a
// second download replaces the installed profile instead of adding another.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { preferred, type Endpoint } from '../../setup/client-settings.ts';
import type { WebDeps } from '../deps.ts';
import { addressParam } from '../host.ts';
import { xmlEscape } from '../xml.ts';

export function registerMobileconfig(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Querystring: { email?: string } }>('/apple/mobileconfig', async (req, reply) => {
    const a = addressParam(req.query.email);
    if (!a) return reply.code(400).type('text/plain; charset=utf-8').send('give the address as ?email=you@example.org\n');
    if (!(await deps.directory.hasDomain(a.domain))) return reply.code(404).type('text/plain; charset=utf-8').send('no mail settings for this domain\n');
    const profile = mobileconfig(a.address, deps.hostname, deps.endpoints());
    if (!profile) return reply.code(404).type('text/plain; charset=utf-8').send('IMAP or submission is turned off on this server\n');
    return reply
      .type('application/x-apple-aspen-config')
      .header('content-disposition', `attachment; filename="${a.domain.replace(/[^a-z0-9.-]/g, '_')}.mobileconfig"`)
      .header('cache-control', 'no-store')
      .send(profile);
  });
}

function uuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex').toUpperCase();
  // Version 4 layout (the variant and version nibbles set) over hash bits.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89AB'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function mobileconfig(address: string, hostname: string, endpoints: Endpoint[]): string | null {
  const imap = preferred(endpoints, 'imap');
  const smtp = preferred(endpoints, 'smtp');
  if (!imap || !smtp) return null;
  const idBase = hostname.split('.').reverse().join('.');
  const accountUuid = uuid(`account ${address} ${hostname}`);
  const profileUuid = uuid(`profile ${address} ${hostname}`);
  const s = (v: string) => `<string>${xmlEscape(v)}</string>`;
  const kv = (k: string, v: string) => `      <key>${k}</key>${v}`;
  const account = [
    kv('EmailAccountDescription', s(address)),
    kv('EmailAccountType', s('EmailTypeIMAP')),
    kv('EmailAddress', s(address)),
    kv('IncomingMailServerAuthentication', s('EmailAuthPassword')),
    kv('IncomingMailServerHostName', s(hostname)),
    kv('IncomingMailServerPortNumber', `<integer>${imap.port}</integer>`),
    kv('IncomingMailServerUseSSL', '<true/>'),
    kv('IncomingMailServerUsername', s(address)),
    kv('OutgoingMailServerAuthentication', s('EmailAuthPassword')),
    kv('OutgoingMailServerHostName', s(hostname)),
    kv('OutgoingMailServerPortNumber', `<integer>${smtp.port}</integer>`),
    kv('OutgoingMailServerUseSSL', '<true/>'),
    kv('OutgoingMailServerUsername', s(address)),
    kv('OutgoingPasswordSameAsIncomingPassword', '<true/>'),
    kv('PayloadDescription', s(`Mail account ${address}`)),
    kv('PayloadDisplayName', s(address)),
    kv('PayloadIdentifier', s(`${idBase}.mailhaven.account.${accountUuid}`)),
    kv('PayloadType', s('com.apple.mail.managed')),
    kv('PayloadUUID', s(accountUuid)),
    kv('PayloadVersion', '<integer>1</integer>'),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>PayloadContent</key>',
    '  <array>',
    '    <dict>',
    ...account,
    '    </dict>',
    '  </array>',
    `  <key>PayloadDescription</key>${s(`Mail settings for ${address} on ${hostname}`)}`,
    `  <key>PayloadDisplayName</key>${s(`Mail: ${address}`)}`,
    `  <key>PayloadIdentifier</key>${s(`${idBase}.mailhaven.profile.${profileUuid}`)}`,
    '  <key>PayloadRemovalDisallowed</key><false/>',
    `  <key>PayloadType</key>${s('Configuration')}`,
    `  <key>PayloadUUID</key>${s(profileUuid)}`,
    '  <key>PayloadVersion</key><integer>1</integer>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
