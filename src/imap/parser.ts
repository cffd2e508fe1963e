// Parse one framed command (from CommandReader) into a typed Command, or a ParseError that
// the session answers with a tagged BAD (or NO for BADCHARSET). Pure and total: no I/O, and
// no input makes it throw.
//   command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
// State checks (which commands are valid when) belong to the session, not to the grammar.

import { SP, TAG_CHAR } from './chars.ts';
import { Bad, Cursor, bad } from './cursor.ts';
import type { Command, ParseError } from './ast.ts';
import { type Limits, withLimits } from './limits.ts';
import type { FramedCommand } from './reader.ts';
import { type Ctx, oneOf } from './parse-common.ts';
import { parseAppend, parseCreate, parseList, parseLsub, parseOneMailbox, parseRename, parseSelect, parseStatus } from './parse-mailbox.ts';
import { parseCopy, parseExpunge, parseFetch, parseStore } from './parse-fetch.ts';
import { parseCancelUpdate, parseSearch, parseSort, parseThread } from './parse-search.ts';
import { parseGenUrlAuth, parseGetMetadata, parseReplace, parseResetKey, parseSetMetadata, parseUrlFetch } from './parse-ext.ts';
import { parseNotify } from './parse-notify.ts';

export type * from './ast.ts';
export { isParseError } from './ast.ts';
export { decodeMailboxName } from './parse-common.ts';

export type ParseOptions = {
  /** IMAP4rev2 or UTF8=ACCEPT is enabled: mailbox names are UTF-8 rather than modified UTF-7. */
  utf8?: boolean;
  limits?: Partial<Limits>;
};

type Handler = (x: Ctx) => Command['args'];

const none: Handler = () => ({});

const HANDLERS: Readonly<Record<string, Handler>> = {
  CAPABILITY: none,
  NOOP: none,
  LOGOUT: none,
  STARTTLS: none,
  CHECK: none,
  CLOSE: none,
  UNSELECT: none,
  IDLE: none,
  NAMESPACE: none,
  EXPUNGE: parseExpunge,
  AUTHENTICATE: parseAuthenticate,
  LOGIN: parseLogin,
  ENABLE: parseEnable,
  SELECT: parseSelect,
  EXAMINE: parseSelect,
  CREATE: parseCreate,
  DELETE: parseOneMailbox,
  SUBSCRIBE: parseOneMailbox,
  UNSUBSCRIBE: parseOneMailbox,
  GETQUOTAROOT: parseOneMailbox,
  RENAME: parseRename,
  LIST: parseList,
  LSUB: parseLsub,
  STATUS: parseStatus,
  APPEND: parseAppend,
  SEARCH: parseSearch,
  SORT: parseSort,
  THREAD: parseThread,
  CANCELUPDATE: parseCancelUpdate,
  FETCH: parseFetch,
  STORE: parseStore,
  COPY: parseCopy,
  MOVE: parseCopy,
  GETQUOTA: parseGetQuota,
  SETQUOTA: parseSetQuota,
  ID: parseId,
  COMPRESS: parseCompress,
  UNAUTHENTICATE: none,
  REPLACE: parseReplace,
  GETMETADATA: parseGetMetadata,
  SETMETADATA: parseSetMetadata,
  NOTIFY: parseNotify,
  GENURLAUTH: parseGenUrlAuth,
  RESETKEY: parseResetKey,
  URLFETCH: parseUrlFetch,
};

/** uid = "UID" SP (copy / move / fetch / search / store / uid-expunge), sort / thread (RFC 5256), replace (RFC 8508) */
const UID_COMMANDS = new Set(['COPY', 'MOVE', 'FETCH', 'SEARCH', 'STORE', 'EXPUNGE', 'SORT', 'THREAD', 'REPLACE']);

export function parseCommand(command: FramedCommand, options: ParseOptions = {}): Command | ParseError {
  const limits: Limits = withLimits(options.limits);
  let tag = '*';
  let name: string | undefined;
  try {
    const c = new Cursor(command, limits);
    const t = c.run(TAG_CHAR);
    if (t === '' || (c.peek() !== SP && !c.atEnd())) return bad(c.atEnd() && t === '' ? 'Empty command line' : 'Invalid tag');
    tag = t;
    if (c.atEnd()) return bad('Missing command name');
    c.sp();
    name = c.keyword('a command name');
    let uid = false;
    if (name === 'UID') {
      c.sp();
      name = c.keyword('a command name after UID');
      uid = true;
      if (!UID_COMMANDS.has(name)) bad(`UID ${name.slice(0, 30)} is not a command`);
    }
    const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
    if (handler === undefined) {
      name = name.slice(0, 30);
      return bad('Unknown command');
    }
    const args = handler({ c, uid, utf8: options.utf8 === true });
    c.end();
    return { tag, name, uid, args } as Command;
  } catch (e) {
    const named = name === undefined ? {} : { name };
    if (e instanceof Bad) {
      return { tag, ...named, error: e.status, ...(e.code === undefined ? {} : { code: e.code }), text: e.message, ...(e.resetSaved ? { resetSaved: true } : {}) };
    }
    // A bug or an exhausted stack must still produce one tagged answer, never a crash.
    return { tag, ...named, error: 'BAD', text: 'Command could not be parsed' };
  }
}

// initial-resp = (base64 / "="); base64 = *(4base64-char) [base64-terminal] (RFC 9051 §9)
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_CHARS = new Uint8Array(256);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=') BASE64_CHARS[ch.charCodeAt(0)] = 1;

/**
 * A client line during AUTHENTICATE (RFC 9051 §6.2.2): "*" cancels (answer BAD), otherwise
 * base64 (possibly empty). undefined when the line is not base64.
 */
export function parseSaslResponse(line: string): { cancel: true } | { cancel: false; data: Buffer } | undefined {
  if (line === '*') return { cancel: true };
  return BASE64.test(line) ? { cancel: false, data: Buffer.from(line, 'base64') } : undefined;
}

/** authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp] (RFC 4959 SASL-IR) */
function parseAuthenticate({ c }: Ctx): Command['args'] {
  c.sp();
  const mechanism = c.keyword('a SASL mechanism');
  if (c.atEnd()) return { mechanism };
  c.sp();
  const ir = c.run(BASE64_CHARS);
  if (ir === '=') return { mechanism, initialResponse: Buffer.alloc(0) };
  if (ir === '' || !BASE64.test(ir)) bad('Invalid base64 in initial response');
  return { mechanism, initialResponse: Buffer.from(ir, 'base64') };
}

/** login = "LOGIN" SP userid SP password */
function parseLogin({ c }: Ctx): Command['args'] {
  c.sp();
  const username = c.astringText('a user name');
  c.sp();
  return { username, password: c.astringText('a password') };
}

/** enable = "ENABLE" 1*(SP capability) (RFC 5161 §4, RFC 9051 §6.3.1) */
function parseEnable({ c }: Ctx): Command['args'] {
  const capabilities: string[] = [];
  do {
    if (capabilities.length >= c.limits.maxListItems) bad('Too many capabilities');
    c.sp();
    capabilities.push(c.keyword('a capability'));
  } while (!c.atEnd());
  return { capabilities };
}

/** id = "ID" SP id_params_list; id_params_list = "(" #(string SP nstring) ")" / nil (RFC 2971 §4) */
function parseId({ c }: Ctx): Command['args'] {
  c.sp();
  if (c.peek() !== 0x28) {
    oneOf(c, ['NIL'], 'ID parameter list');
    return { params: null };
  }
  const params = c.list(() => {
    const field = c.string('an ID field').toString('utf8');
    c.sp();
    const value = c.nstring('an ID value');
    return [field, value === null ? null : value.toString('utf8')] as const;
  }, true);
  return { params };
}

/** getquota = "GETQUOTA" SP quota-root-name (RFC 9208 §7) */
function parseGetQuota({ c }: Ctx): Command['args'] {
  c.sp();
  return { root: c.astringText('a quota root') };
}

/** setquota = "SETQUOTA" SP quota-root-name SP "(" [resource-name SP resource-limit *(SP ...)] ")" */
function parseSetQuota({ c }: Ctx): Command['args'] {
  c.sp();
  const root = c.astringText('a quota root');
  c.sp();
  const resources = c.list(() => {
    const name = c.keyword('a resource name');
    c.sp();
    return { name, limit: c.number64('a resource limit') };
  }, true);
  return { root, resources };
}

/** compress = "COMPRESS" SP algorithm (RFC 4978 §3) */
function parseCompress({ c }: Ctx): Command['args'] {
  c.sp();
  return { algorithm: c.keyword('a compression algorithm') };
}
