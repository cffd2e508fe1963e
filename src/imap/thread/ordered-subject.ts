// THREAD=ORDEREDSUBJECT (RFC 5256 §BASE.6.4.THREAD): messages sorted by base subject, then
// sent date; one thread per subject, the threads in the date order of their first message.
// The first message is the root, every other message of the subject its child: no
// grandchildren.
import { compareCodePoints } from '../../mime/casemap.ts';
import type { ThreadInfo } from '../../store/store.ts';
import { byDate, type ThreadNode } from './tree.ts';

export function orderedSubject(msgs: readonly ThreadInfo[]): ThreadNode[] {
  const sorted = [...msgs].sort((a, b) =>
    (a.subject === b.subject ? 0 : compareCodePoints(a.subject, b.subject)) || a.sentDate - b.sentDate || a.uid - b.uid);
  const threads: ThreadNode[] = [];
  let root: ThreadNode | null = null;
  for (const m of sorted) {
    const node: ThreadNode = { msg: m, children: [] };
    if (root !== null && root.msg!.subject === m.subject) root.children.push(node);
    else threads.push((root = node));
  }
  return threads.sort(byDate);
}
