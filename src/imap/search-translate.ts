// SEARCH keys (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ, RFC 8514 SAVEDATE,
// RFC 8474 EMAILID/THREADID) to the store's Criteria. Sequence numbers, "*" and "$" are
// resolved here through the session (ctx), so the store sees only UIDs.
import type { SearchDate, SearchKey } from './ast.ts';
import type { SequenceSet } from './seqset.ts';
import type { Criteria } from '../store/search-criteria.ts';
import { NOTHING } from '../store/search-criteria.ts';

export type TranslateContext = {
  /** UIDs (as inclusive ranges) of the messages a sequence set names in this session. */
  uidsOfSeqSet(set: SequenceSet): [number, number][];
  /** A UID set resolved ("*" is the largest UID, "$" the saved result). */
  uidRanges(set: SequenceSet): [number, number][];
  /** UIDs with \Recent in this session; none when absent. */
  recent?: ReadonlySet<number>;
  /** The clock OLDER/YOUNGER count back from (ms); Date.now() when absent. */
  now?: number;
};

const SYSTEM_FLAGS = {
  ANSWERED: '\\Answered', DELETED: '\\Deleted', DRAFT: '\\Draft', FLAGGED: '\\Flagged', SEEN: '\\Seen',
} as const;

const FIELDS = { BCC: 'bcc', CC: 'cc', FROM: 'from', SUBJECT: 'subject', TO: 'to' } as const;

const DATES = {
  BEFORE: ['internal', 'before'], ON: ['internal', 'on'], SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'], SENTON: ['sent', 'on'], SENTSINCE: ['sent', 'since'],
  SAVEDBEFORE: ['saved', 'before'], SAVEDON: ['saved', 'on'], SAVEDSINCE: ['saved', 'since'], // RFC 8514 §4
} as const;

const two = (n: number): string => String(n).padStart(2, '0');
const dayOf = (d: SearchDate): string => `${String(d.year).padStart(4, '0')}-${two(d.month)}-${two(d.day)}`;

/** Sorted UIDs as inclusive ranges: [1,2,3,7] → [[1,3],[7,7]]. */
export function toRanges(uids: Iterable<number>): [number, number][] {
  const sorted = [...uids].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const u of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && u <= last[1] + 1) last[1] = Math.max(last[1], u);
    else out.push([u, u]);
  }
  return out;
}

function key(k: SearchKey, ctx: TranslateContext): Criteria {
  switch (k.key) {
    case 'ALL':
    case 'SAVEDATESUPPORTED': // every mailbox keeps save dates (RFC 8514 §4)
      return { op: 'everything' };
    case 'ANSWERED': case 'DELETED': case 'DRAFT': case 'FLAGGED': case 'SEEN':
      return { op: 'flag', flag: SYSTEM_FLAGS[k.key], set: true };
    case 'UNANSWERED': case 'UNDELETED': case 'UNDRAFT': case 'UNFLAGGED': case 'UNSEEN':
      return { op: 'flag', flag: SYSTEM_FLAGS[k.key.slice(2) as keyof typeof SYSTEM_FLAGS], set: false };
    case 'RECENT':
      return { op: 'uid', ranges: toRanges(ctx.recent ?? []) };
    case 'NEW': // RECENT UNSEEN
      return { op: 'all', of: [{ op: 'uid', ranges: toRanges(ctx.recent ?? []) }, { op: 'flag', flag: '\\Seen', set: false }] };
    case 'OLD': // NOT RECENT
      return { op: 'not', of: { op: 'uid', ranges: toRanges(ctx.recent ?? []) } };
    case 'KEYWORD':
      return { op: 'flag', flag: k.flag, set: true };
    case 'UNKEYWORD':
      return { op: 'flag', flag: k.flag, set: false };
    case 'BCC': case 'CC': case 'FROM': case 'SUBJECT': case 'TO':
      return { op: 'field', field: FIELDS[k.key], value: k.value };
    case 'BODY':
      return { op: 'body', value: k.value };
    case 'TEXT':
      return { op: 'text', value: k.value };
    case 'HEADER':
      return { op: 'header', field: k.field, value: k.value };
    case 'BEFORE': case 'ON': case 'SINCE': case 'SENTBEFORE': case 'SENTON': case 'SENTSINCE':
    case 'SAVEDBEFORE': case 'SAVEDON': case 'SAVEDSINCE': {
      const [which, cmp] = DATES[k.key];
      return { op: 'date', which, cmp, day: dayOf(k.date) };
    }
    case 'LARGER':
      return { op: 'size', cmp: 'larger', value: k.size };
    case 'SMALLER':
      return { op: 'size', cmp: 'smaller', value: k.size };
    case 'UID':
      return { op: 'uid', ranges: ctx.uidRanges(k.set) };
    case 'SEQ':
      return { op: 'uid', ranges: ctx.uidsOfSeqSet(k.set) };
    case 'NOT':
      return { op: 'not', of: key(k.operand, ctx) };
    case 'OR':
      return { op: 'any', of: [key(k.left, ctx), key(k.right, ctx)] };
    case 'AND':
      return all(k.operands, ctx);
    case 'MODSEQ':
      // The entry (per-flag MODSEQ) is not kept; the message's MODSEQ is never lower than it.
      return { op: 'modseq', atLeast: Number(k.modseq) };
    case 'EMAILID': {
      // RFC 8474 §6: our EMAILIDs are "M" and 8+ hex digits (lean-record.ts emailIdText).
      const m = /^M([0-9a-f]{8,13})$/.exec(k.id);
      return m === null ? NOTHING : { op: 'emailid', id: parseInt(m[1], 16) };
    }
    case 'THREADID': // RFC 8474 §5.2: no threads, so THREADID matches nothing
      return NOTHING;
    case 'OLDER': // RFC 5032 §3: internal date at least that many seconds ago
      return { op: 'time', cmp: 'before', ms: (ctx.now ?? Date.now()) - k.seconds * 1000 + 1 };
    case 'YOUNGER': // RFC 5032 §3: internal date less than that many seconds ago
      return { op: 'time', cmp: 'since', ms: (ctx.now ?? Date.now()) - k.seconds * 1000 + 1 };
  }
}

function all(keys: readonly SearchKey[], ctx: TranslateContext): Criteria {
  return keys.length === 1 ? key(keys[0], ctx) : { op: 'all', of: keys.map((k) => key(k, ctx)) };
}

/** The criteria of a SEARCH command: the keys all apply (RFC 9051 §6.4.4). */
export function toCriteria(keys: readonly SearchKey[], ctx: TranslateContext): Criteria {
  return all(keys, ctx);
}
