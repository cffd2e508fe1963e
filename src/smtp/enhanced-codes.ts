// smtp-server derives the enhanced status code of an error reply from its numeric code
// (554 always becomes 5.6.0), but a relay refusal must read "554 5.7.1". Our MailError
// replies carry their own enhanced code at the start of the text; this makes smtp-server
// send such text as it is instead of prefixing a second, derived code.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

type Send = (this: unknown, code: number, data: unknown, context?: unknown) => void;

let installed = false;

export function useOwnEnhancedCodes(): void {
  if (installed) return;
  installed = true;
  const proto = (SMTPConnection as unknown as { prototype: { send: Send } }).prototype;
  const original = proto.send;
  proto.send = function (code, data, context) {
    if (typeof data === 'string' && ENHANCED.test(data) && context === undefined) return original.call(this, code, data, false);
    return original.call(this, code, data, context);
  };
}
