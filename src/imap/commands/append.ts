// APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), APPENDUID (RFC 4315), TRYCREATE and
// CATENATE (RFC 4469).
import { parseMessage } from '../../mime/parse-message.ts';
import { formatNumberSet } from '../seqset.ts';
import { resolveCatenate } from './catenate.ts';
import { checkQuota } from './quota-check.ts';
import { AUTHED, no, ok, type Handler, type Reply } from './types.ts';

export const append: Handler<'APPEND'> = {
  states: AUTHED,
  async run(s, cmd) {
    const store = s.deps.store;
    const mb = await store.getMailbox(s.account!.id, cmd.args.mailbox);
    if (!mb) return no('Mailbox does not exist', 'TRYCREATE');
    const msgs = await resolveCatenate(s, cmd.args.messages);
    if (!Array.isArray(msgs)) return msgs as Reply;
    if (msgs.some((m) => m.data.length > s.deps.limits.appendLimit)) return no('Message too large', 'TOOBIG');
    await checkQuota(s, msgs.reduce((n, m) => n + m.data.length, 0));
    const now = new Date();
    const r = await store.append(
      s.account!,
      mb.name,
      msgs.map((m) => ({
        content: m.data,
        parsed: parseMessage(m.data),
        internalDate: m.date ?? now,
        flags: m.flags.filter((f) => f.toLowerCase() !== '\\recent'),
      })),
    );
    return ok('APPEND completed', `APPENDUID ${r.uidValidity} ${formatNumberSet(r.uids)}`);
  },
};
