// RETR msg (RFC 1939 §5) and TOP msg n (RFC 1939 §7): the message (or its header and the
// first n body lines), dot-stuffed, streamed with backpressure.
import type { Session } from '../session.ts';
import { topLength } from '../dot-stuff.ts';
import { TRANSACTION, type Handler } from './types.ts';

async function send(s: Session, n: number, lines: number | null): Promise<void> {
  const m = s.message(n);
  if (!m) return s.err('No such message');
  let bytes: Buffer;
  try {
    bytes = await s.drop!.read(m.uid);
  } catch (e) {
    s.log.error({ event: 'pop3.read', err: e, uid: m.uid }, 'cannot read message');
    return s.err('Cannot read the message', 'SYS/TEMP');
  }
  if (lines === null) {
    if (bytes.length !== m.size) s.log.warn({ event: 'pop3.size', uid: m.uid, listed: m.size, actual: bytes.length }, 'message size differs from the index');
    s.stats.retrieved++;
    return s.sendMessage(`${bytes.length} octets`, bytes, bytes.length);
  }
  return s.sendMessage('Top of message follows', bytes, topLength(bytes, lines));
}

export const retr: Handler<'RETR'> = {
  states: TRANSACTION,
  run: (s, cmd) => send(s, cmd.msg, null),
};

export const top: Handler<'TOP'> = {
  states: TRANSACTION,
  run: (s, cmd) => send(s, cmd.msg, cmd.lines),
};
