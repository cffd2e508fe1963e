// STATUS (RFC 9051 §6.3.11; SIZE from RFC 8438).
import { statusLine } from './status-data.ts';
import { AUTHED, no, ok, type Handler } from './types.ts';

export const status: Handler<'STATUS'> = {
  states: AUTHED,
  async run(s, cmd) {
    // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command.
    if (cmd.args.items.includes('HIGHESTMODSEQ')) await s.enableCondstore();
    const mb = await s.deps.store.getMailbox(s.account!.id, cmd.args.mailbox);
    if (!mb) return no('Mailbox does not exist', 'NONEXISTENT');
    await s.send(await statusLine(s, mb, cmd.args.items));
    return ok('STATUS completed');
  },
};
