// LSUB (RFC 3501 §6.3.9; deprecated in IMAP4rev2 but still used by older clients).
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
    const all = await s.deps.store.listMailboxes(s.account!.id);
    await s.send(all.filter((m) => m.subscribed && match(m.name)).map((m) => listLine(s, 'LSUB', [], m.name)));
    return ok('LSUB completed');
  },
};
