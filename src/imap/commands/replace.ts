// REPLACE and UID REPLACE (RFC 8508): APPEND of the new message and EXPUNGE of the old one
// as one change in the store. The APPENDUID goes in an untagged OK (§3.3), then the EXPUNGE.
import { checkedInputs } from './append.ts';
import { reportExpunged } from './expunge.ts';
import { resolveCatenate } from './catenate.ts';
import { SELECTED, bad, no, type Handler, type Reply } from './types.ts';

export const replace: Handler<'REPLACE'> = {
  states: SELECTED,
  async run(s, cmd) {
    const view = s.selected!;
    const { target } = cmd.args;
    const resolved = await resolveCatenate(s, [cmd.args.message]);
    if (!Array.isArray(resolved)) return resolved as Reply;
    const message = resolved[0];
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    let uid: number;
    if (cmd.uid) {
      uid = target === 0 ? view.lastUid : target;
      if (view.seqOf(uid) === 0) return no('No message with that UID', 'NONEXISTENT');
    } else {
      const seq = target === 0 ? view.exists : target;
      if (seq < 1 || seq > view.exists) return bad('Invalid message sequence number');
      uid = view.uidsOfSeqSet({ ranges: [[seq, seq]], saved: false })[0];
    }
    const store = s.deps.store;
    if (!(await store.getMailbox(s.account!.id, cmd.args.mailbox))) return no('Mailbox does not exist', 'TRYCREATE');
    const checked = await checkedInputs(s, [message]);
    if (checked === undefined || !('inputs' in checked)) return checked;
    const r = await store.replace(s.account!, view.mailbox.id, uid, cmd.args.mailbox, checked.inputs[0]);
    await s.untagged(`OK [APPENDUID ${r.uidValidity} ${r.uids[0]}] Replacement message`);
    await reportExpunged(s, [uid]);
    return { status: 'OK', text: 'REPLACE completed' };
  },
};
