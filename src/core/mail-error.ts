// Errors that cross module boundaries carry their protocol meaning: the reply code, the
// enhanced status code (RFC 3463), whether a retry may succeed, a text safe to show the
// client, and the underlying cause for the log only.
import { domainToASCII } from 'node:url';
import { isAscii, printableAscii } from './ascii.ts';

export type MailErrorInit = {
  code: number;
  enhanced: string;
  message: string;
  cause?: unknown;
};

export class MailError extends Error {
  readonly code: number;
  readonly enhanced: string;

  constructor(init: MailErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'MailError';
    this.code = init.code;
    this.enhanced = init.enhanced;
  }

  get temporary(): boolean {
    return this.code >= 400 && this.code < 500;
  }

  /** The reply line body as smtp-server and LMTP want it: "5.1.1 text". */
  get replyText(): string {
    return `${this.enhanced} ${this.message}`;
  }
}

export const isMailError = (e: unknown): e is MailError => e instanceof MailError;

/**
 * An address as a reply may quote it: replies are ASCII (RFC 5321 §2.4; 8-bit only in an
 * SMTPUTF8 session, RFC 6531 §3.7.4.2), so an internationalised domain goes back as its
 * A-label (as the client most likely sent it: smtp-server hands us the U-label), and any other
 * character outside printable ASCII as "?".
 */
export function replyAddress(addr: string): string {
  const at = addr.lastIndexOf('@');
  if (at < 0) return printableAscii(addr);
  const domain = addr.slice(at + 1);
  return printableAscii(`${addr.slice(0, at)}@${isAscii(domain) ? domain : domainToASCII(domain) || domain}`);
}

// The replies used in more than one place, so their wording stays the same everywhere.
export const errors = {
  unknownUser: (addr: string) =>
    new MailError({ code: 550, enhanced: '5.1.1', message: `<${replyAddress(addr)}>: Recipient address rejected: User unknown` }),
  relayDenied: (addr: string) =>
    new MailError({ code: 554, enhanced: '5.7.1', message: `<${replyAddress(addr)}>: Relay access denied` }),
  badAddress: (addr: string, why: string) =>
    new MailError({ code: 501, enhanced: '5.1.3', message: `<${replyAddress(addr)}>: Bad address syntax: ${why}` }),
  tooManyRecipients: (max: number) =>
    new MailError({ code: 452, enhanced: '4.5.3', message: `Too many recipients (at most ${max} per message)` }),
  messageTooBig: (max: number) =>
    new MailError({ code: 552, enhanced: '5.3.4', message: `Message too big (at most ${max} bytes)` }),
  overQuotaTemp: (addr: string) =>
    new MailError({ code: 452, enhanced: '4.2.2', message: `<${addr}>: Mailbox full` }),
  overQuotaPerm: (addr: string) =>
    new MailError({ code: 552, enhanced: '5.2.2', message: `<${addr}>: Mailbox full: the message is larger than the whole quota` }),
  aliasLoop: (addr: string) =>
    new MailError({ code: 554, enhanced: '5.4.6', message: `<${addr}>: Alias expansion loop` }),
  externalNotYet: (addr: string) =>
    new MailError({
      code: 451,
      enhanced: '4.4.0',
      message: `<${addr}>: Forwarding to an external address is not available yet; try again later`,
    }),
  localError: (cause: unknown) =>
    new MailError({ code: 451, enhanced: '4.3.0', message: 'Local error in processing; try again later', cause }),
  shuttingDown: () =>
    new MailError({ code: 421, enhanced: '4.3.2', message: 'Service shutting down; try again later' }),
  tooManyErrors: (hostname: string) =>
    new MailError({ code: 421, enhanced: '4.7.0', message: `${hostname} Too many errors; closing connection` }),
};
