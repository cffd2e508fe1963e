// Commands about mailboxes: SELECT/EXAMINE, CREATE, RENAME, LIST/LSUB, STATUS, APPEND.

import { DQUOTE } from './chars.ts';
import { LITERAL, bad, type Cursor } from './cursor.ts';
import type { ArgsOf, AppendMessage, CatPart, CommandName, ListReturn, ListSelect, QresyncParams, StatusItem } from './ast.ts';
import { type Ctx, dateTime, flagList, listMailbox, mailbox, oneOf, plainSequenceSet } from './parse-common.ts';

type Args<N extends CommandName> = ArgsOf<N>;

const LPAREN = 0x28;
const RPAREN = 0x29;
const SP = 0x20;

/** select = "SELECT" SP mailbox [select-params] (RFC 4466 §2.1; CONDSTORE/QRESYNC: RFC 7162 §7) */
export function parseSelect(x: Ctx): Args<'SELECT'> {
  const { c } = x;
  c.sp();
  const name = mailbox(x);
  let condstore = false;
  let qresync: QresyncParams | undefined;
  if (!c.atEnd()) {
    c.sp();
    c.list(() => {
      const param = oneOf(c, ['CONDSTORE', 'QRESYNC'], 'SELECT parameter');
      if (param === 'CONDSTORE') {
        if (condstore) bad('CONDSTORE given twice');
        condstore = true;
      } else {
        if (qresync !== undefined) bad('QRESYNC given twice');
        c.sp();
        qresync = qresyncParams(c);
      }
    });
  }
  return qresync === undefined ? { mailbox: name, condstore } : { mailbox: name, condstore, qresync };
}

// "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
function qresyncParams(c: Cursor): QresyncParams {
  c.char(LPAREN, '(');
  return c.nest(() => {
    const uidValidity = c.nzNumber('a UIDVALIDITY');
    c.sp();
    const modseq = c.bigNumber('a mod-sequence');
    if (modseq === 0n) bad('The mod-sequence must be positive');
    let result: QresyncParams = { uidValidity, modseq };
    let more = c.maybe(SP);
    if (more && c.peek() !== LPAREN) {
      result = { ...result, knownUids: plainSequenceSet(c) };
      more = c.maybe(SP);
    }
    if (more) {
      c.char(LPAREN, '(');
      const seqs = plainSequenceSet(c);
      c.sp();
      const uids = plainSequenceSet(c);
      c.char(RPAREN, ')');
      result = { ...result, seqMatch: { seqs, uids } };
    }
    c.char(RPAREN, ')');
    return result;
  });
}

const USE_ATTRS = new Map(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'].map((a) => [a.toUpperCase(), a]));

/** create = "CREATE" SP mailbox [create-params]; create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")" (RFC 6154 §6) */
export function parseCreate(x: Ctx): Args<'CREATE'> {
  const { c } = x;
  c.sp();
  const name = mailbox(x);
  if (c.atEnd()) return { mailbox: name };
  c.sp();
  let specialUse: string[] | undefined;
  c.list(() => {
    oneOf(c, ['USE'], 'CREATE parameter');
    if (specialUse !== undefined) bad('USE given twice');
    c.sp();
    specialUse = c.list(() => {
      c.char(0x5c, 'a special-use attribute');
      const attr = '\\' + c.atom('a special-use attribute');
      return USE_ATTRS.get(attr.toUpperCase()) ?? attr;
    }, true);
  });
  return { mailbox: name, specialUse: specialUse! };
}

/** DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT: SP mailbox */
export function parseOneMailbox(x: Ctx): Args<'DELETE'> {
  x.c.sp();
  return { mailbox: mailbox(x) };
}

/** rename = "RENAME" SP mailbox SP mailbox */
export function parseRename(x: Ctx): Args<'RENAME'> {
  x.c.sp();
  const from = mailbox(x);
  x.c.sp();
  return { from, to: mailbox(x) };
}

/**
 * list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 * (RFC 5258 §6, RFC 6154 SPECIAL-USE, RFC 5819 STATUS return option).
 */
export function parseList(x: Ctx): Args<'LIST'> {
  const { c } = x;
  c.sp();
  const select = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
  let extended = false;
  if (c.peek() === LPAREN) {
    extended = true;
    c.list(() => {
      const opt = oneOf(c, ['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'], 'LIST selection option');
      select[opt === 'SUBSCRIBED' ? 'subscribed' : opt === 'REMOTE' ? 'remote' : opt === 'RECURSIVEMATCH' ? 'recursiveMatch' : 'specialUse'] = true;
    }, true);
    // RFC 5258 §3.1: RECURSIVEMATCH needs a base option (SUBSCRIBED) beside it.
    if (select.recursiveMatch && !select.subscribed) bad('RECURSIVEMATCH requires SUBSCRIBED');
    c.sp();
  }
  const reference = mailbox(x);
  c.sp();
  let patterns: string[];
  if (c.peek() === LPAREN) {
    extended = true;
    patterns = c.list(() => listMailbox(x), false, 'a pattern list');
  } else patterns = [listMailbox(x)];
  const ret: { subscribed: boolean; children: boolean; specialUse: boolean; status?: StatusItem[] } = {
    subscribed: false,
    children: false,
    specialUse: false,
  };
  if (!c.atEnd()) {
    extended = true;
    c.sp();
    oneOf(c, ['RETURN'], 'LIST keyword');
    c.sp();
    c.list(() => {
      const opt = oneOf(c, ['SUBSCRIBED', 'CHILDREN', 'SPECIAL-USE', 'STATUS'], 'LIST return option');
      if (opt === 'STATUS') {
        c.sp();
        // RFC 5258 §3: an option given twice counts once.
        ret.status = [...new Set([...(ret.status ?? []), ...statusItems(c)])];
      } else ret[opt === 'SUBSCRIBED' ? 'subscribed' : opt === 'CHILDREN' ? 'children' : 'specialUse'] = true;
    }, true);
  }
  return { reference, patterns, extended, select: select as ListSelect, return: ret as ListReturn };
}

/** lsub = "LSUB" SP mailbox SP list-mailbox (RFC 3501) */
export function parseLsub(x: Ctx): Args<'LSUB'> {
  x.c.sp();
  const reference = mailbox(x);
  x.c.sp();
  return { reference, pattern: listMailbox(x) };
}

const STATUS_ITEMS: readonly StatusItem[] = [
  'MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE',
  'HIGHESTMODSEQ', 'DELETED-STORAGE', 'APPENDLIMIT', 'MAILBOXID',
];

function statusItems(c: Cursor): StatusItem[] {
  return c.list(() => oneOf(c, STATUS_ITEMS, 'STATUS item'));
}

/** status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")" */
export function parseStatus(x: Ctx): Args<'STATUS'> {
  x.c.sp();
  const name = mailbox(x);
  x.c.sp();
  return { mailbox: name, items: statusItems(x.c) };
}

/**
 * append = "APPEND" SP mailbox 1*append-message (RFC 3502 MULTIAPPEND, RFC 4466 §2.2)
 * append-message = [SP flag-list] [SP date-time] SP (literal / literal8 / "UTF8" SP "(" literal8 ")")
 */
export function parseAppend(x: Ctx): Args<'APPEND'> {
  const { c } = x;
  c.sp();
  const name = mailbox(x);
  const messages: AppendMessage[] = [];
  do {
    if (messages.length >= c.limits.maxAppendMessages) bad(`Too many messages (at most ${c.limits.maxAppendMessages})`);
    messages.push(appendMessage(c));
  } while (!c.atEnd());
  return { mailbox: name, messages };
}

/**
 * "CATENATE" SP "(" cat-part *(SP cat-part) ")"; cat-part = "TEXT" SP literal / "URL" SP astring
 * (RFC 4469 §5; a TEXT literal8 is taken too, as with BINARY APPEND).
 */
function catenateParts(c: Cursor): CatPart[] {
  c.keyword();
  c.sp();
  return c.list((): CatPart => {
    const kind = oneOf(c, ['TEXT', 'URL'], 'CATENATE part');
    c.sp();
    return kind === 'TEXT' ? { text: c.literal(true).data } : { url: c.astring('a URL').toString('latin1') };
  });
}

/** SP append-message (RFC 4466 §2.2, also REPLACE's, RFC 8508 §6) */
export function appendMessage(c: Cursor): AppendMessage {
  c.sp();
  let flags: string[] = [];
  if (c.peek() === LPAREN) {
    flags = flagList(c);
    c.sp();
  }
  let date: Date | undefined;
  if (c.peek() === DQUOTE) {
    date = dateTime(c);
    c.sp();
  }
  let utf8 = false;
  if (c.peek() !== LITERAL && c.peekKeyword() === 'CATENATE') {
    const catenate = catenateParts(c);
    const message = { flags, data: Buffer.alloc(0), binary: false, utf8, catenate };
    return date === undefined ? message : { ...message, date };
  }
  if (c.peek() !== LITERAL) {
    oneOf(c, ['UTF8'], 'APPEND data extension'); // RFC 6855 §4: "UTF8" SP "(" literal8 ")"
    c.sp();
    c.char(LPAREN, '(');
    utf8 = true;
  }
  const lit = c.literal(true);
  if (utf8 && !lit.binary) bad('UTF8 requires a literal8 (~{n})');
  if (utf8) c.char(RPAREN, ')');
  const message = { flags, data: lit.data, binary: lit.binary, utf8 };
  return date === undefined ? message : { ...message, date };
}
