// GETQUOTA and GETQUOTAROOT (RFC 9208): one root "" per account, STORAGE in units of 1024 octets.
import type { Session } from '../session.ts';
import { ResponseLine } from '../response.ts';
import { AUTHED, no, ok, type Handler } from './types.ts';

async function quotaLine(s: Session): Promise<string> {
  const limit = await s.deps.quotaOf(s.account!.id);
  if (limit <= 0) return 'QUOTA "" ()';
  const used = await s.deps.store.usage(s.account!.id);
  return `QUOTA "" (STORAGE ${Math.ceil(used / 1024)} ${Math.floor(limit / 1024)})`;
}

export const getquota: Handler<'GETQUOTA'> = {
  states: AUTHED,
  async run(s, cmd) {
    if (cmd.args.root !== '') return no('No such quota root', 'NONEXISTENT');
    await s.untagged(await quotaLine(s));
    return ok('GETQUOTA completed');
  },
};

export const getquotaroot: Handler<'GETQUOTAROOT'> = {
  states: AUTHED,
  async run(s, cmd) {
    const mb = await s.deps.store.getMailbox(s.account!.id, cmd.args.mailbox);
    if (!mb) return no('Mailbox does not exist', 'NONEXISTENT');
    await s.send(new ResponseLine({ utf8: s.utf8 }).raw('* QUOTAROOT ').mailbox(mb.name).raw(' ""').toBuffer());
    await s.untagged(await quotaLine(s));
    return ok('GETQUOTAROOT completed');
  },
};

// RFC 9208 §4.1.3: SETQUOTA is for servers that advertise QUOTASET. Quotas here are the
// administrator's ("mailhaven user quota <address> <size>"), so a user's SETQUOTA is NO.
export const setquota: Handler<'SETQUOTA'> = {
  states: AUTHED,
  async run() {
    return no('Quotas are set by the administrator', 'NOPERM');
  },
};
