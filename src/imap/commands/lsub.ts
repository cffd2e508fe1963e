// LSUB (RFC 3501 §6.3.9; deprecated in IMAP4rev2 but still used by older clients).
import { parentsOf } from '../../store/mailbox-name.ts';
import { patternMatcher } from './list-match.ts';
import { listLine } from './list.ts';
import { AUTHED, ok, type Handler } from './types.ts';

export const lsub: Handler<'LSUB'> = {
  states: AUTHED,
  async run(s, cmd) {
    if (cmd.args.pattern === '') {
      await s.untagged('LSUB (\\Noselect) "/" ""');
      return ok('LSUB completed');
    }
    const match = patternMatcher(cmd.args.reference, cmd.args.pattern);
    const store = s.deps.store;
    // Subscribed names, whether or not their mailbox still exists (as Dovecot lists them).
    const subscribed = new Set(await store.subscriptions(s.account!.id));
    const out = new Map<string, string[]>();
    for (const name of subscribed) {
      if (match(name)) {
        out.set(name, []);
        continue;
      }
      // §6.3.9: "%" stops at a level: a subscribed "foo/bar" makes an unsubscribed "foo"
      // answer "%" as \Noselect.
      for (const parent of parentsOf(name)) if (!subscribed.has(parent) && match(parent) && !out.has(parent)) out.set(parent, ['\\Noselect']);
    }
    const names = [...out.keys()].sort((x, y) => (x === 'INBOX' ? -1 : y === 'INBOX' ? 1 : x < y ? -1 : x > y ? 1 : 0));
    await s.send(names.map((n) => listLine(s, 'LSUB', out.get(n)!, n)));
    return ok('LSUB completed');
  },
};
