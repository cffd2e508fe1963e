// GETMETADATA and SETMETADATA (RFC 5464 §4.2, §4.3): annotations on the server (mailbox "")
// and on mailboxes. Without ACL, a user reaches the mailboxes LIST shows them (§3.3).
import { METADATA_LIMITS, MetadataError, type MetadataTarget } from '../../store/metadata.ts';
import { ResponseLine } from '../response.ts';
import type { Session } from '../session.ts';
import { AUTHED, no, ok, type Handler } from './types.ts';

/** The target of a mailbox argument, or null when the mailbox does not exist. */
async function targetOf(s: Session, mailbox: string): Promise<MetadataTarget | null> {
  const accountId = s.account!.id;
  if (mailbox === '') return { accountId, mailboxId: null };
  const mb = await s.deps.store.getMailbox(accountId, mailbox);
  return mb ? { accountId, mailboxId: mb.id } : null;
}

export const getmetadata: Handler<'GETMETADATA'> = {
  states: AUTHED,
  async run(s, cmd) {
    const { mailbox, entries, depth, maxSize } = cmd.args;
    const target = await targetOf(s, mailbox);
    if (target === null) return no('Mailbox does not exist', 'NONEXISTENT');
    const found = await s.deps.store.metadata.getMetadata(target, entries, depth);
    let longest = 0;
    const shown = found.filter((e) => {
      if (maxSize === undefined || e.value.length <= maxSize) return true;
      longest = Math.max(longest, e.value.length);
      return false;
    });
    // Without DEPTH, a named entry that does not exist is answered NIL (as Dovecot does), so
    // the required METADATA response is there even when nothing is set.
    const missing = depth === 0 ? entries.filter((n) => !found.some((e) => e.name === n)) : [];
    if (shown.length > 0 || missing.length > 0) {
      const line = new ResponseLine({ utf8: s.utf8 }).raw('* METADATA ');
      if (mailbox === '') line.raw('""');
      else line.mailbox(mailbox);
      line.raw(' (');
      const items = [...shown.map((e) => [e.name, e.value] as const), ...missing.map((n) => [n, null] as const)];
      items.forEach(([name, value], i) => {
        if (i > 0) line.sp();
        line.astring(name).sp();
        if (value === null) line.raw('NIL');
        else if (value.includes(0)) line.literal(value, true);
        else line.string(value);
      });
      await s.send(line.raw(')').end());
    }
    return longest > 0 ? ok('GETMETADATA completed', `METADATA LONGENTRIES ${longest}`) : ok('GETMETADATA completed');
  },
};

export const setmetadata: Handler<'SETMETADATA'> = {
  states: AUTHED,
  async run(s, cmd) {
    const { mailbox, entries } = cmd.args;
    const target = await targetOf(s, mailbox);
    if (target === null) return no('Mailbox does not exist', 'NONEXISTENT');
    for (const e of entries) {
      // RFC 5464 §3.2.1.1: /shared/admin is read-only; vendor entries have 4+ components.
      if (mailbox === '' && e.name === '/shared/admin') return no('/shared/admin is read-only');
      if (/^\/(private|shared)\/vendor(\/|$)/.test(e.name) && e.name.split('/').length < 5) {
        return no('Vendor entries are /shared/vendor/<vendor-token>/…');
      }
      if (e.value !== null && e.value.length > METADATA_LIMITS.maxValueBytes) {
        return no('Value too large', `METADATA MAXSIZE ${METADATA_LIMITS.maxValueBytes}`);
      }
    }
    try {
      await s.deps.store.metadata.setMetadata(target, entries);
    } catch (e) {
      if (e instanceof MetadataError) return no(e.message, e.code);
      throw e;
    }
    return ok('SETMETADATA completed');
  },
};
