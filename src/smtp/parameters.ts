// MAIL FROM and RCPT TO parameters we implement; any other gets 555 (RFC 5321 §4.1.1.11: a
// parameter not recognised or not implemented), as Postfix answers, rather than being
// accepted and silently ignored, which leaves a client believing it was honoured.
import type { SMTPServerAddress } from 'smtp-server';
import { MailError } from '../core/mail-error.ts';
import { printableAscii } from '../core/ascii.ts';

const KNOWN = {
  // SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461), AUTH (RFC 4954)
  MAIL: new Set(['SIZE', 'BODY', 'SMTPUTF8', 'RET', 'ENVID', 'AUTH']),
  // NOTIFY and ORCPT (RFC 3461)
  RCPT: new Set(['NOTIFY', 'ORCPT']),
};

/** 555 for the first parameter of `address` that `command` does not take, or null. */
export function unknownParameter(address: SMTPServerAddress, command: 'MAIL' | 'RCPT'): MailError | null {
  const args = (address as { args?: Record<string, unknown> | false }).args;
  if (!args) return null;
  for (const key of Object.keys(args)) {
    if (!KNOWN[command].has(key.toUpperCase())) {
      return new MailError({ code: 555, enhanced: '5.5.4', message: `Unsupported option: ${printableAscii(key.slice(0, 40))}` });
    }
  }
  return null;
}
