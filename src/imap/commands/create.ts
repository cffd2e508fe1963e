// CREATE (RFC 9051 §6.3.4; CREATE-SPECIAL-USE, RFC 6154 §3). Names are checked by the store.
import { AUTHED, no, ok, type Handler } from './types.ts';

const USES = new Set(['\\Sent', '\\Drafts', '\\Junk', '\\Trash', '\\Archive', '\\All', '\\Flagged']);

export const create: Handler<'CREATE'> = {
  states: AUTHED,
  async run(s, cmd) {
    // A trailing delimiter says the client means to create names under it (RFC 9051 §6.3.4).
    const name = cmd.args.mailbox.replace(/\/$/, '');
    if (name === 'INBOX') return no('Mailbox already exists', 'ALREADYEXISTS');
    const uses = cmd.args.specialUse ?? [];
    const use = uses.find((u) => USES.has(u)) ?? null;
    if (uses.length > 0 && use === null) return no('Unsupported special-use attribute', 'USEATTR');
    const mb = await s.deps.store.createMailbox(s.account!, name, use);
    return ok('CREATE completed', `MAILBOXID (${mb.objectId})`); // RFC 8474 §4.1
  },
};
