// The config schema: the one source of every setting, its default and its meaning.
// docs/config.md is generated from it (scripts/gen-config-doc.ts) and a test checks it is fresh.
import os from 'node:os';
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
/** Longest wait a Node timer can hold (2^31-1 ms); beyond it Node fires after 1 ms, in a loop. */
const TIMER_MAX_SECONDS = 2_147_483;
const host = z.string().min(1);

const listener = (defaultPort: number, enabled: boolean, what: string) =>
  z
    .object({
      enabled: z.boolean().default(enabled).describe(`Whether the ${what} listener runs.`),
      host: host.default('0.0.0.0').describe('Address to listen on; "::" for IPv6 and IPv4.'),
      port: port.default(defaultPort).describe('TCP port (0 picks a free one, for tests).'),
    })
    .strict()
    .prefault({});

export const configSchema = z
  .object({
    hostname: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, 'a DNS host name')
      .default(os.hostname())
      .describe('Fully qualified name of this server: SMTP banner, EHLO, Received headers, certificate. Default: the machine name.'),

    smtp: z
      .object({
        enabled: z.boolean().default(true).describe('Whether the inbound SMTP (MX) listener runs.'),
        host: host.default('0.0.0.0').describe('Address to listen on; "::" for IPv6 and IPv4.'),
        port: port.default(25).describe('TCP port (0 picks a free one, for tests).'),
        threads: z
          .union([z.literal('auto'), z.number().int().min(0).max(64)])
          .default('auto')
          .describe(
            'Worker threads that run the MX sessions, each on the same port: "auto" is none below 4 CPUs, else one per two CPUs (at most 8); 0 runs them in the main thread.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Inbound SMTP for mail from the Internet to hosted domains.'),

    lmtp: z
      .object({
        enabled: z.boolean().default(false).describe('Whether the LMTP listener runs (for another MTA handing mail to us).'),
        host: host.default('127.0.0.1').describe('Address to listen on (ignored when `socket` is set).'),
        port: port.default(24).describe('TCP port (ignored when `socket` is set).'),
        socket: z.string().default('').describe('Path of a Unix socket to listen on instead of TCP; relative to the data directory.'),
      })
      .strict()
      .prefault({})
      .describe('LMTP (RFC 2033) listener, off by default.'),

    submission: z
      .object({
        enabled: z.boolean().default(true).describe('Whether the submission (STARTTLS) listener runs.'),
        host: host.default('0.0.0.0').describe('Address to listen on; "::" for IPv6 and IPv4.'),
        port: port.default(587).describe('TCP port (0 picks a free one, for tests).'),
        loopback_plaintext_auth: z.boolean().default(true).describe('Allow AUTH without STARTTLS from loopback addresses (a local webmail or script), as IMAP and POP3 do. Everyone else must start TLS first.'),
      })
      .strict()
      .prefault({})
      .describe('Mail submission for users\' mail programs (RFC 6409): STARTTLS, then AUTH PLAIN or LOGIN; the sender and From must be the user\'s own addresses.'),

    submissions: listener(465, true, 'submission over implicit TLS').describe('Mail submission with TLS from the first byte (RFC 8314), the port clients should prefer.'),

    submission_limits: z
      .object({
        account_messages_per_hour: z.number().int().min(0).default(200).describe('Messages one account may submit per hour (0: no limit); past it, 451 4.7.1.'),
        account_recipients_per_hour: z.number().int().min(0).default(1000).describe('Recipients summed over the messages one account submits per hour (0: no limit).'),
        ip_messages_per_hour: z.number().int().min(0).default(500).describe('Messages submitted from one IP address per hour, whatever the account (0: no limit). Loopback is exempt (a local webmail sends for everyone).'),
        ip_recipients_per_hour: z.number().int().min(0).default(2000).describe('Recipients submitted from one IP address per hour (0: no limit). Loopback is exempt.'),
      })
      .strict()
      .prefault({})
      .describe('Sending rate limits, so a stolen password cannot turn the server into a spam cannon.'),

    mail_auth: z
      .object({
        enabled: z.boolean().default(true).describe('Check SPF, DKIM, DMARC and ARC of mail arriving on the MX and add an Authentication-Results header.'),
        dmarc_reject: z.boolean().default(true).describe('Refuse (550 5.7.1) mail that fails DMARC of a domain publishing p=reject, as Gmail and mox do; false adds the header and delivers.'),
        timeout: z.number().int().min(100).max(60000).default(10000).describe('Milliseconds the checks of one message may take; past it the message is delivered without an Authentication-Results header.'),
      })
      .strict()
      .prefault({})
      .describe('Sender authentication of inbound mail (RFC 7208 SPF, RFC 6376 DKIM, RFC 7489 DMARC, RFC 8617 ARC).'),

    imap: listener(143, true, 'IMAP (STARTTLS)').describe('IMAP for mail clients; STARTTLS is offered, and LOGIN is refused before it except on loopback.'),

    imaps: listener(993, true, 'IMAP over implicit TLS').describe('IMAP with TLS from the first byte (RFC 8314), the port clients should prefer.'),

    pop3: listener(110, true, 'POP3 (STLS)').describe('POP3 for download-and-delete clients; STLS is offered, and login is refused before it except on loopback.'),

    pop3s: listener(995, true, 'POP3 over implicit TLS').describe('POP3 with TLS from the first byte (RFC 8314).'),

    http: listener(80, true, 'HTTP').describe('Plain HTTP: ACME HTTP-01 challenges and Thunderbird autoconfig; every other request is redirected to HTTPS.'),

    https: listener(443, true, 'HTTPS').describe('HTTPS with the server\'s certificate: MTA-STS policy, Thunderbird autoconfig, Outlook autodiscover, Apple .mobileconfig.'),

    imap_limits: z
      .object({
        idle_timeout: z.number().int().min(1800).default(1800).describe('Seconds a logged-in IMAP client may stay silent (RFC 9051 §5.4: at least 30 minutes; IDLE clients re-issue before that).'),
        login_timeout: z.number().int().min(10).default(60).describe('Seconds a client may stay silent before logging in.'),
        max_connections: z.number().int().min(1).default(1000).describe('Simultaneous IMAP connections per listener.'),
        append_limit: z.number().int().min(1024).default(50 * 1024 * 1024).describe('Largest message APPEND accepts, in bytes (APPENDLIMIT, RFC 7889).'),
      })
      .strict()
      .prefault({})
      .describe('Limits of the IMAP listeners.'),

    limits: z
      .object({
        max_message_size: z.number().int().min(1024).default(50 * 1024 * 1024).describe('Largest message accepted, in bytes (SIZE in EHLO; 552 beyond it).'),
        max_recipients: z.number().int().min(1).max(10000).default(100).describe('Recipients per message; further RCPTs get 452 4.5.3.'),
        max_connections: z.number().int().min(1).default(500).describe('Simultaneous connections per SMTP, LMTP and POP3 listener (IMAP has its own in [imap_limits]).'),
        max_bad_commands: z.number().int().min(1).default(10).describe('Rejected or unknown commands before the connection is closed (IMAP: in a row; a command answered OK or NO starts the count again, as in Dovecot).'),
        command_timeout: z.number().int().min(1).max(TIMER_MAX_SECONDS).default(300).describe('Seconds a client may stay silent in an SMTP session (RFC 5321 §4.5.3.2 suggests 5 minutes).'),
        greeting_delay: z.number().int().min(0).max(30000).default(0).describe('Milliseconds to wait before the SMTP greeting; clients that talk before it are refused as early talkers (spam bots do). 0 greets at once, as Postfix\'s smtpd does.'),
        max_line_length: z.number().int().min(1000).default(4096).describe('Longest command line accepted, in bytes (RFC 5321 requires at least 512).'),
        max_data_line_length: z.number().int().min(998).default(65536).describe('Longest line inside a message, in bytes; longer lines refuse the message (RFC 5322 §2.1.1 allows 998).'),
      })
      .strict()
      .prefault({})
      .describe('Limits that protect the server from abusive or broken clients.'),

    delivery: z
      .object({
        subaddress_separator: z.string().max(4).default('+').describe('Separator for subaddresses (user+tag@domain); empty to turn subaddressing off.'),
        default_quota: z.number().int().min(0).default(0).describe('Quota for new accounts, in bytes; 0 means unlimited.'),
        max_alias_depth: z.number().int().min(1).max(100).default(10).describe('Alias expansion depth before it counts as a loop.'),
      })
      .strict()
      .prefault({})
      .describe('Local delivery into mailboxes.'),

    tls: z
      .object({
        cert: z.string().default('').describe('PEM certificate chain file; empty to use a self-signed certificate made for `hostname` in data/tls/.'),
        key: z.string().default('').describe('PEM private key file for `cert`.'),
        certificates: z
          .array(
            z
              .object({
                cert: z.string().min(1).describe('PEM certificate chain file.'),
                key: z.string().min(1).describe('PEM private key file.'),
              })
              .strict(),
          )
          .default([])
          .describe('More certificates, as [[tls.certificates]] entries with `cert` and `key`: each is presented to clients that ask (SNI) for one of the names in its subjectAltName, on every TLS listener.'),
        reload_interval: z.number().int().min(0).max(TIMER_MAX_SECONDS).default(60).describe('Seconds between checks of the certificate files for changes (a changed file is loaded without restart; a broken one is logged and the old certificate kept). 0 turns the checks off.'),
        acme: z.boolean().default(false).describe('Obtain and renew certificates with ACME (Let\'s Encrypt) for `hostname` and, with `acme_domain_names`, autoconfig.DOMAIN and mta-sts.DOMAIN of each hosted domain. Needs port 80 (HTTP-01, answered by the web listener) or a TLS listener with ALPN on the port the CA connects to (TLS-ALPN-01, 443).'),
        acme_directory: z.url().default('https://acme-v02.api.letsencrypt.org/directory').describe('ACME directory URL; Let\'s Encrypt staging is https://acme-staging-v02.api.letsencrypt.org/directory.'),
        acme_email: z.string().default('').describe('Contact address given to the CA (expiry and policy notices); recommended.'),
        acme_accept_terms: z.boolean().default(false).describe('You agree to the CA\'s terms of service (required when `acme` is on).'),
        acme_challenges: z.array(z.enum(['http-01', 'tls-alpn-01'])).min(1).default(['http-01', 'tls-alpn-01']).describe('Challenge types to use, in order of preference.'),
        acme_domain_names: z.boolean().default(true).describe('Also get certificates for autoconfig.DOMAIN and mta-sts.DOMAIN of each hosted domain (one certificate per domain, so one domain\'s missing DNS does not block the others).'),
        acme_renew_days: z.number().int().min(1).max(60).default(30).describe('Renew a certificate when fewer days than this are left (checked at start and daily).'),
        acme_ca_file: z.string().default('').describe('Extra CA certificates (PEM) to trust for the connection to the ACME directory only, for a private CA; empty trusts the system\'s.'),
      })
      .strict()
      .prefault({})
      .refine((t) => !t.acme || t.acme_accept_terms, { message: 'acme = true needs acme_accept_terms = true (you agree to the CA\'s terms of service)', path: ['acme_accept_terms'] })
      .describe('TLS certificates for every listener (SMTP STARTTLS, IMAP, POP3, HTTPS): TLS 1.2 or later, SNI by subjectAltName.'),

    dns: z
      .object({
        servers: z.array(z.string().min(1)).default([]).describe('Name servers to ask, as "host" or "host:port"; empty uses the system\'s (/etc/resolv.conf). Use a validating resolver you trust (DANE and MTA-STS decisions rest on its answers).'),
        timeout: z.number().int().min(100).max(60000).default(5000).describe('Milliseconds to wait for one DNS answer before trying again.'),
      })
      .strict()
      .prefault({})
      .describe('DNS lookups: MX for outbound mail, SPF/DKIM/DMARC, `mailhaven dns check`.'),

    network: z
      .object({
        public_ipv4: z.union([z.literal(''), z.literal('none'), z.ipv4()]).default('').describe('This server\'s public IPv4 address, for `dns records`, `dns check` and the MTA-STS/SPF advice; empty discovers it from the machine\'s interfaces (not possible behind NAT); "none" for an IPv6-only server.'),
        public_ipv6: z.union([z.literal(''), z.literal('none'), z.ipv6()]).default('').describe('This server\'s public IPv6 address; empty discovers it from the interfaces (none found: no AAAA record is recommended); "none" when the server has no IPv6.'),
      })
      .strict()
      .prefault({})
      .describe('How the Internet reaches this server.'),

    mta_sts: z
      .object({
        mode: z.enum(['testing', 'enforce', 'none']).default('testing').describe('MTA-STS policy mode (RFC 8461): "testing" reports failures but delivers anyway; switch to "enforce" once a CA-signed certificate is in place; "none" withdraws the policy.'),
        max_age: z.number().int().min(86400).max(31557600).default(604800).describe('Seconds senders may cache the policy (RFC 8461 §3.2; a week by default).'),
      })
      .strict()
      .prefault({})
      .describe('The MTA-STS policy served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt.'),

    dns_records: z
      .object({
        dmarc_rua: z.string().default('').describe('Address for DMARC aggregate reports; empty uses postmaster@DOMAIN.'),
        tlsrpt_rua: z.string().default('').describe('Address for SMTP TLS reports (RFC 8460); empty uses postmaster@DOMAIN.'),
      })
      .strict()
      .prefault({})
      .describe('Choices in the records `mailhaven dns records` recommends.'),

    dns_check: z
      .object({
        enabled: z.boolean().default(true).describe('Whether the running server checks the DNS of every hosted domain (shortly after start, then every `interval`) and logs problems.'),
        first_delay: z.number().int().min(0).default(60).describe('Seconds after start before the first check.'),
        interval: z.number().int().min(60).max(TIMER_MAX_SECONDS).default(86400).describe('Seconds between checks (daily by default).'),
        blocklists: z
          .array(z.string().regex(/^[A-Za-z0-9.-]+$/, 'a DNS zone name'))
          .default(['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org', 'psbl.surriel.com'])
          .describe('DNS blocklist zones this server\'s public addresses are looked up in. Spamhaus refuses queries from public resolvers (8.8.8.8, 1.1.1.1): use your own resolver in [dns] servers.'),
      })
      .strict()
      .prefault({})
      .describe('`mailhaven dns check` and the server\'s daily DNS check.'),

    queue: z
      .object({
        port: port.min(1).default(25).describe('TCP port of remote mail exchangers (25 on the Internet; tests point it at a local listener).'),
        retry_initial: z.number().positive().default(300).describe('Seconds before the first retry of a temporary failure; each further retry waits `retry_factor` times longer.'),
        retry_factor: z.number().min(1).max(10).default(2).describe('Growth of the wait between retries (exponential backoff).'),
        retry_max: z.number().positive().default(4 * 3600).describe('Longest wait between two retries, in seconds.'),
        max_lifetime: z.number().positive().default(5 * 24 * 3600).describe('Seconds a message may stay queued; after that it is bounced as expired (RFC 5321 §4.5.4.1 suggests 4-5 days).'),
        delay_notice: z.number().min(0).default(4 * 3600).describe('Seconds after which the sender is told a message is delayed (a DSN with Action: delayed); 0 sends none.'),
        concurrency: z.number().int().min(1).max(1000).default(20).describe('Deliveries in progress at once, all destinations together.'),
        concurrency_per_destination: z.number().int().min(1).max(100).default(4).describe('Deliveries in progress at once to one destination domain (or the smarthost).'),
        connect_timeout: z.number().positive().max(TIMER_MAX_SECONDS).default(30).describe('Seconds to wait for a remote server to accept the connection and greet.'),
        command_timeout: z.number().positive().max(TIMER_MAX_SECONDS).default(300).describe('Seconds to wait for any one reply of a remote server (RFC 5321 §4.5.3.2 asks for 10 minutes after the final dot; we stay shorter).'),
        idle_reuse: z.number().min(0).max(TIMER_MAX_SECONDS).default(5).describe('Seconds an open connection to a remote server waits for another message to the same destination before QUIT.'),
        poll_interval: z.number().positive().max(TIMER_MAX_SECONDS).default(1).describe('Seconds between looks at the queue for due messages and for `mailhaven queue retry/flush/remove` requests.'),
        require_tls: z.boolean().default(false).describe('Refuse to deliver to a server without STARTTLS and a valid certificate (normally STARTTLS is opportunistic, verification only when MTA-STS asks for it).'),
        mta_sts: z.boolean().default(true).describe('Honour the MTA-STS policies of destination domains (RFC 8461): in enforce mode only listed MX hosts with a valid certificate.'),
      })
      .strict()
      .prefault({})
      .describe('The outbound queue: delivery to remote servers, retries, delay notices and bounces.'),

    smarthost: z
      .object({
        host: z.string().default('').describe('Relay host that outbound mail goes through; empty delivers directly to the destination MX hosts.'),
        port: port.min(1).default(587).describe('Port of the relay host: 587 (STARTTLS), 465 (implicit TLS) or 25.'),
        tls: z.enum(['starttls', 'implicit', 'opportunistic', 'none']).default('starttls').describe('"starttls": STARTTLS required; "implicit": TLS from the first byte (port 465); "opportunistic": STARTTLS when offered; "none": plain text (only for a relay on a trusted network).'),
        verify_certificate: z.boolean().default(true).describe('Check the relay host\'s certificate against the system CAs and its name.'),
        username: z.string().default('').describe('AUTH user name at the relay; empty sends without AUTH.'),
        password_file: z.string().default('').describe('File holding the AUTH password (first line; relative to the data directory). Preferred over the environment variable.'),
        password_env: z.string().default('').describe('Name of an environment variable holding the AUTH password, when no `password_file` is set.'),
        domains: z.array(z.string().min(1)).default([]).describe('Destination domains routed through the relay; empty routes all outbound mail through it.'),
      })
      .strict()
      .prefault({})
      .describe('A relay host ("smarthost") for outbound mail, for networks where outbound port 25 is blocked.'),

    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Least severe level written; `trace` adds protocol transcripts (never passwords).'),
        file: z.boolean().default(true).describe('Also write JSON lines to data/logs/mailhaven.log.'),
        stdout: z.boolean().default(true).describe('Write the lines to standard output (pretty on a terminal); turn off when only the file is read.'),
      })
      .strict()
      .prefault({})
      .describe('Structured logs.'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
