// Commands of the issue-5 extensions: REPLACE (RFC 8508), GETMETADATA/SETMETADATA (RFC 5464).

import type { ArgsOf } from './ast.ts';
import { type Ctx, mailbox } from './parse-common.ts';
import { appendMessage } from './parse-mailbox.ts';

/** replace = "REPLACE" SP seq-number SP mailbox append-message; uid-replace = "UID" SP replace */
export function parseReplace(x: Ctx): ArgsOf<'REPLACE'> {
  const { c } = x;
  c.sp();
  const target = c.maybe(0x2a) ? 0 : c.nzNumber(x.uid ? 'a UID' : 'a message sequence number');
  c.sp();
  const name = mailbox(x);
  return { target, mailbox: name, message: appendMessage(c) };
}
