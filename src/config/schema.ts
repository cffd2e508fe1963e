// The config schema: the one source of every setting, its default and its meaning.
// docs/config.md is generated from it (scripts/gen-config-doc.ts) and a test checks it is fresh.
import os from 'node:os';
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
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

    smtp: listener(25, true, 'inbound SMTP (MX)').describe('Inbound SMTP for mail from the Internet to hosted domains.'),

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

    imap: listener(143, true, 'IMAP (STARTTLS)').describe('IMAP for mail clients; STARTTLS is offered, and LOGIN is refused before it except on loopback.'),

    imaps: listener(993, true, 'IMAP over implicit TLS').describe('IMAP with TLS from the first byte (RFC 8314), the port clients should prefer.'),

    pop3: listener(110, true, 'POP3 (STLS)').describe('POP3 for download-and-delete clients; STLS is offered, and login is refused before it except on loopback.'),

    pop3s: listener(995, true, 'POP3 over implicit TLS').describe('POP3 with TLS from the first byte (RFC 8314).'),

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
        max_bad_commands: z.number().int().min(1).default(10).describe('Rejected or unknown commands before the connection is closed.'),
        command_timeout: z.number().int().min(1).default(300).describe('Seconds a client may stay silent in an SMTP session (RFC 5321 §4.5.3.2 suggests 5 minutes).'),
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
      })
      .strict()
      .prefault({})
      .describe('TLS certificates for every listener.'),

    dns: z
      .object({
        servers: z.array(z.string().min(1)).default([]).describe('Name servers to ask, as "host" or "host:port"; empty uses the system\'s (/etc/resolv.conf). Use a validating resolver you trust (DANE and MTA-STS decisions rest on its answers).'),
        timeout: z.number().int().min(100).max(60000).default(5000).describe('Milliseconds to wait for one DNS answer before trying again.'),
      })
      .strict()
      .prefault({})
      .describe('DNS lookups: MX for outbound mail, SPF/DKIM/DMARC, `mailhaven dns check`.'),

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
        connect_timeout: z.number().positive().default(30).describe('Seconds to wait for a remote server to accept the connection and greet.'),
        command_timeout: z.number().positive().default(300).describe('Seconds to wait for any one reply of a remote server (RFC 5321 §4.5.3.2 asks for 10 minutes after the final dot; we stay shorter).'),
        idle_reuse: z.number().min(0).default(5).describe('Seconds an open connection to a remote server waits for another message to the same destination before QUIT.'),
        poll_interval: z.number().positive().default(1).describe('Seconds between looks at the queue for due messages and for `mailhaven queue retry/flush/remove` requests.'),
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
      })
      .strict()
      .prefault({})
      .describe('Structured logs.'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
