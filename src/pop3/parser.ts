// One client line in, one POP3 command (or the reason it is not one) out: pure, no I/O.
// RFC 1939 §3: a keyword of 3-4 characters, case-insensitive, then arguments separated by
// spaces; RFC 2449 §4: at most 255 octets with the CRLF.
import { MAX_COMMAND_LINE } from './limits.ts';

export type Command =
  | { name: 'CAPA' }
  | { name: 'STLS' }
  | { name: 'USER'; user: string }
  | { name: 'PASS'; password: string }
  /** mechanism null: plain "AUTH", the RFC 1734 list of mechanisms. */
  | { name: 'AUTH'; mechanism: string | null; initial: string | null }
  | { name: 'STAT' }
  | { name: 'LIST'; msg: number | null }
  | { name: 'RETR'; msg: number }
  | { name: 'DELE'; msg: number }
  | { name: 'RSET' }
  | { name: 'TOP'; msg: number; lines: number }
  | { name: 'UIDL'; msg: number | null }
  | { name: 'NOOP' }
  | { name: 'QUIT' };

export type CommandName = Command['name'];

export type ParseError = { error: 'too-long' | 'unknown' | 'syntax'; text: string };

export const isParseError = (r: Command | ParseError): r is ParseError => 'error' in r;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 1939 §3: a message-number is a decimal number; 0 and leading '+' are not. */
const NUMBER = /^[0-9]{1,10}$/;

const syntax = (text: string): ParseError => ({ error: 'syntax', text });

function number(arg: string | undefined): number | null {
  if (arg === undefined || !NUMBER.test(arg)) return null;
  const n = Number(arg);
  return Number.isSafeInteger(n) ? n : null;
}

/** Parses one line (without its CRLF). */
export function parseCommand(line: Buffer): Command | ParseError {
  if (line.length + 2 > MAX_COMMAND_LINE) return { error: 'too-long', text: 'Line too long' };
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return syntax('Invalid UTF-8 in command');
  }
  if (/[\0\r\n]/.test(text)) return syntax('Invalid characters in command');
  const sp = text.indexOf(' ');
  const keyword = (sp === -1 ? text : text.slice(0, sp)).toUpperCase();
  // RFC 1939 §7 PASS: "the server may treat spaces in the argument as part of the password",
  // so PASS and USER take the rest of the line; the others split on spaces.
  const rest = sp === -1 ? '' : text.slice(sp + 1);
  const args = rest === '' ? [] : rest.split(/ +/).filter((a) => a !== '');
  const none = (c: Command): Command | ParseError => (args.length === 0 ? c : syntax(`${keyword} takes no arguments`));
  const optionalMsg = (n: 'LIST' | 'UIDL'): Command | ParseError => {
    if (args.length === 0) return { name: n, msg: null };
    const msg = number(args[0]);
    return args.length === 1 && msg !== null ? { name: n, msg } : syntax(`Usage: ${n} [msg]`);
  };
  const oneMsg = (n: 'RETR' | 'DELE'): Command | ParseError => {
    const msg = number(args[0]);
    return args.length === 1 && msg !== null ? { name: n, msg } : syntax(`Usage: ${n} msg`);
  };
  switch (keyword) {
    case 'CAPA':
    case 'STLS':
    case 'STAT':
    case 'RSET':
    case 'NOOP':
      return none({ name: keyword });
    case 'QUIT':
      // Words after QUIT are ignored, as Dovecot does: refusing them would leave a sloppy
      // client's session open and its DELEs not made.
      return { name: 'QUIT' };
    case 'USER':
      return rest.trim() === '' ? syntax('Usage: USER name') : { name: 'USER', user: rest.trim() };
    case 'PASS':
      return rest === '' ? syntax('Usage: PASS password') : { name: 'PASS', password: rest };
    case 'AUTH':
      if (args.length > 2) return syntax('Usage: AUTH mechanism [initial-response]');
      return { name: 'AUTH', mechanism: args[0]?.toUpperCase() ?? null, initial: args[1] ?? null };
    case 'LIST':
    case 'UIDL':
      return optionalMsg(keyword);
    case 'RETR':
    case 'DELE':
      return oneMsg(keyword);
    case 'TOP': {
      const msg = number(args[0]);
      const lines = number(args[1]);
      return args.length === 2 && msg !== null && lines !== null ? { name: 'TOP', msg, lines } : syntax('Usage: TOP msg lines');
    }
    default:
      return { error: 'unknown', text: 'Unknown command' };
  }
}
