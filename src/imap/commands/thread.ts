// THREAD and UID THREAD (RFC 5256 §BASE.6.4.THREAD): ORDEREDSUBJECT and REFERENCES over the
// per-message keys the store keeps (no message file is read).
import { orderedSubject } from '../thread/ordered-subject.ts';
import { referencesThreads } from '../thread/references.ts';
import { formatThreads } from '../thread/tree.ts';
import { criteriaOf } from './search-answer.ts';
import { SELECTED, ok, type Handler } from './types.ts';

export const thread: Handler<'THREAD'> = {
  states: SELECTED,
  // RFC 5256: no untagged EXPUNGE while answering THREAD (sequence numbers must hold).
  expungeAfter: false,
  async run(s, cmd) {
    const view = s.selected!;
    const store = s.deps.store;
    const found = (await store.search(s.account!, view.mailbox.id, criteriaOf(s, cmd.args.criteria))).filter((u) => view.seqOf(u) > 0);
    const info = await store.threadInfo(s.account!, view.mailbox.id, found);
    const roots = cmd.args.algorithm === 'REFERENCES' ? referencesThreads(info) : orderedSubject(info);
    const text = formatThreads(roots, cmd.uid ? (u) => u : (u) => view.seqOf(u));
    await s.untagged(text === '' ? 'THREAD' : `THREAD ${text}`);
    return ok('THREAD completed');
  },
};
