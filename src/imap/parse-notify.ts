// NOTIFY (RFC 5465 §8). The grammar's MUSTs that make a request BAD are checked here; which
// events the server supports (NO [BADEVENT]) is the handler's business.
//   notify = "NOTIFY" SP (notify-set / notify-none)
//   notify-set = "SET" [SP "STATUS"] SP event-groups;  event-group = "(" filter-mailboxes SP events ")"

import type { ArgsOf, FetchItem, NotifyEvent, NotifyFilter, NotifyGroup } from './ast.ts';
import { bad } from './cursor.ts';
import { type Ctx, mailbox, oneOf } from './parse-common.ts';
import { fetchItem } from './parse-fetch.ts';

const LPAREN = 0x28;

export const MESSAGE_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange'];
const KNOWN = [...MESSAGE_EVENTS, 'MailboxName', 'SubscriptionChange', 'MailboxMetadataChange', 'ServerMetadataChange'];
const CANONICAL = new Map(KNOWN.map((e) => [e.toUpperCase(), e]));

export function parseNotify(x: Ctx): ArgsOf<'NOTIFY'> {
  const { c } = x;
  c.sp();
  if (oneOf(c, ['SET', 'NONE'], 'NOTIFY form') === 'NONE') return { set: null };
  c.sp();
  let status = false;
  if (c.peek() !== LPAREN) {
    oneOf(c, ['STATUS'], 'NOTIFY SET option');
    status = true;
    c.sp();
  }
  const groups: NotifyGroup[] = [];
  for (;;) {
    if (groups.length >= c.limits.maxListItems) bad('Too many event groups');
    groups.push(eventGroup(x));
    if (c.atEnd()) break;
    c.sp();
  }
  if (groups.filter((g) => g.filter.kind === 'selected' || g.filter.kind === 'selected-delayed').length > 1) {
    bad('Only one of SELECTED and SELECTED-DELAYED may be given'); // §6.1
  }
  return { set: { status, groups } };
}

function eventGroup(x: Ctx): NotifyGroup {
  const { c } = x;
  c.char(LPAREN, 'an event group');
  return c.nest(() => {
    const filter = filterMailboxes(x);
    c.sp();
    const events = eventList(x, filter);
    c.char(0x29, ')');
    return { filter, events };
  });
}

function filterMailboxes(x: Ctx): NotifyFilter {
  const { c } = x;
  const kind = oneOf(c, ['SELECTED', 'SELECTED-DELAYED', 'INBOXES', 'PERSONAL', 'SUBSCRIBED', 'SUBTREE', 'MAILBOXES'], 'mailbox filter');
  if (kind === 'SUBTREE' || kind === 'MAILBOXES') {
    c.sp();
    // one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"; no wildcards (§6.6).
    const names = c.peek() === LPAREN ? c.list(() => mailbox(x)) : [mailbox(x)];
    return { kind: kind === 'SUBTREE' ? 'subtree' : 'mailboxes', names };
  }
  return { kind: kind.toLowerCase() as 'selected' | 'selected-delayed' | 'inboxes' | 'personal' | 'subscribed' };
}

/** events = "(" event *(SP event) ")" / "NONE" */
function eventList(x: Ctx, filter: NotifyFilter): NotifyEvent[] {
  const { c } = x;
  if (c.peek() !== LPAREN) {
    oneOf(c, ['NONE'], 'event list');
    return [];
  }
  const selected = filter.kind === 'selected' || filter.kind === 'selected-delayed';
  const events = c.list(() => {
    const word = c.keyword('an event');
    const name = CANONICAL.get(word) ?? word;
    if (name === 'MessageNew' && c.peek() === 0x20 && c.peekAhead(1) === LPAREN) {
      if (!selected) bad('MessageNew attributes are only allowed for SELECTED'); // §8
      c.sp();
      const fetch: FetchItem[] = c.list(() => fetchItem(c));
      return { name, fetch };
    }
    return { name };
  });
  const has = (n: string): boolean => events.some((e) => e.name === n);
  // RFC 5465 §5: MessageNew and MessageExpunge come together; FlagChange and
  // AnnotationChange need both.
  if (has('MessageNew') !== has('MessageExpunge')) bad('MessageNew and MessageExpunge must be given together');
  if ((has('FlagChange') || has('AnnotationChange')) && !has('MessageNew')) bad('FlagChange needs MessageNew and MessageExpunge');
  // §6.1: SELECTED takes message events only.
  if (selected && events.some((e) => CANONICAL.has(e.name.toUpperCase()) && !MESSAGE_EVENTS.includes(e.name))) {
    bad('Only message events are allowed for SELECTED');
  }
  return events;
}
