// LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258, RECURSIVEMATCH and CHILDINFO
// included), CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819).
import type { MailboxInfo } from '../../store/store.ts';
import { parentsOf } from '../../store/mailbox-name.ts';
import { ResponseLine } from '../response.ts';
import type { Session } from '../session.ts';
import { patternMatcher } from './list-match.ts';
import { statusLine } from './status-data.ts';
import { AUTHED, ok, type Handler } from './types.ts';

export function hasChildren(all: readonly MailboxInfo[], name: string): boolean {
  return all.some((m) => m.name.startsWith(name + '/'));
}

/** `extended`: RFC 5258 mbox-list-extended items after the name, e.g. ("CHILDINFO" (...)). */
export function listLine(s: Session, verb: 'LIST' | 'LSUB', attrs: readonly string[], name: string, extended = ''): Buffer {
  return new ResponseLine({ utf8: s.utf8 }).raw(`* ${verb} (${attrs.join(' ')}) "/" `).mailbox(name).raw(extended).toBuffer();
}

export const list: Handler<'LIST'> = {
  states: AUTHED,
  async run(s, cmd) {
    const a = cmd.args;
    // An empty pattern asks for the delimiter and root (RFC 9051 §6.3.9).
    if (!a.extended && a.patterns.length === 1 && a.patterns[0] === '') {
      await s.untagged('LIST (\\Noselect) "/" ""');
      return ok('LIST completed');
    }
    const all = await s.deps.store.listMailboxes(s.account!.id);
    const matchers = a.patterns.map((p) => patternMatcher(a.reference, p));
    const matches = (name: string): boolean => matchers.some((m) => m(name));
    // RFC 5258 §3: every selection option must hold (RECURSIVEMATCH is no criterion of its own).
    const meets = (mb: MailboxInfo): boolean => (!a.select.subscribed || mb.subscribed) && (!a.select.specialUse || mb.specialUse !== null);
    const childInfo = [...(a.select.subscribed ? ['"SUBSCRIBED"'] : []), ...(a.select.specialUse ? ['"SPECIAL-USE"'] : [])].join(' ');
    const out: Buffer[] = [];
    const byName = (x: { name: string }, y: { name: string }): number => (x.name === 'INBOX' ? -1 : y.name === 'INBOX' ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
    // A parent deleted while it had children lives on as a name they imply: \Noselect
    // (RFC 9051 §6.3.5, §7.3.1). Not for SUBSCRIBED or SPECIAL-USE selections.
    const named = new Set(all.map((m) => m.name));
    const implied = a.select.subscribed || a.select.specialUse ? [] : [...new Set(all.flatMap((m) => parentsOf(m.name)))].filter((n) => !named.has(n));
    // RFC 5258 §3.1: SUBSCRIBED lists subscribed names, those of mailboxes gone included
    // (\NonExistent); without SPECIAL-USE, which such a name cannot meet.
    const gone = a.select.subscribed && !a.select.specialUse ? (await s.deps.store.subscriptions(s.account!.id)).filter((n) => !named.has(n)) : [];
    const entries = [...all, ...implied.map((name) => ({ name, implied: true as const })), ...gone.map((name) => ({ name, gone: true as const }))];
    for (const mb of entries.sort(byName)) {
      if (!matches(mb.name)) continue;
      if ('implied' in mb) {
        out.push(listLine(s, 'LIST', ['\\Noselect', '\\HasChildren'], mb.name));
        continue;
      }
      if ('gone' in mb) {
        out.push(listLine(s, 'LIST', ['\\NonExistent', '\\Subscribed'], mb.name));
        continue;
      }
      const selected = meets(mb);
      // RFC 5258 §3.5: with RECURSIVEMATCH, a parent with a descendant that meets the criteria
      // says so in CHILDINFO; one that does not meet them itself is only listed when such a
      // descendant is not listed anyway (no redundant CHILDINFO).
      const below = a.select.recursiveMatch ? all.filter((d) => d.name.startsWith(mb.name + '/') && meets(d)) : [];
      if (!selected && !below.some((d) => !matches(d.name))) continue;
      const attrs = [hasChildren(all, mb.name) ? '\\HasChildren' : '\\HasNoChildren'];
      if (mb.specialUse) attrs.push(mb.specialUse);
      if ((a.return.subscribed || a.select.subscribed) && mb.subscribed) attrs.push('\\Subscribed');
      out.push(listLine(s, 'LIST', attrs, mb.name, below.length === 0 ? '' : ` ("CHILDINFO" (${childInfo}))`));
      if (a.return.status && selected) out.push(await statusLine(s, mb, a.return.status));
    }
    await s.send(out);
    return ok('LIST completed');
  },
};
