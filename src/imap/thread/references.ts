// THREAD=REFERENCES (RFC 5256 §BASE.6.4.THREAD), its six steps in order. Message IDs arrive
// normalised (mime/msg-id.ts) and compare case-sensitively; subjects arrive as casemapped
// base subjects, so equal strings are the case-insensitive match step 5 asks for.
import type { ThreadInfo } from '../../store/store.ts';
import { byDate, postOrder, type ThreadNode } from './tree.ts';

type Container = ThreadNode & { parent: Container | null; children: Container[] };

const node = (msg: ThreadInfo | null): Container => ({ msg, children: [], parent: null });

/** Is `a` the same as `b` or below it? (Walking up: no recursion, however deep.) */
function within(a: Container, b: Container): boolean {
  if (b.children.length === 0) return a === b; // the usual case: nothing is below b
  for (let c: Container | null = a; c !== null; c = c.parent) if (c === b) return true;
  return false;
}

function unlink(child: Container): void {
  const p = child.parent;
  if (p === null) return;
  const i = p.children.indexOf(child);
  if (i >= 0) p.children.splice(i, 1);
  child.parent = null;
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

/** msgs in mailbox (UID) order. */
export function referencesThreads(msgs: readonly ThreadInfo[]): ThreadNode[] {
  const byId = new Map<string, Container>();
  const all: Container[] = [];
  const container = (id: string): Container => {
    let c = byId.get(id);
    if (c === undefined) {
      byId.set(id, (c = node(null)));
      all.push(c);
    }
    return c;
  };

  // (1) link each message to its references
  for (const m of msgs) {
    // A message without a usable ID, or with one an earlier message took, gets a unique one.
    let self = m.messageId === '' ? undefined : byId.get(m.messageId);
    if (self === undefined && m.messageId !== '') self = container(m.messageId);
    if (self === undefined || self.msg !== null) {
      self = node(null);
      all.push(self);
    }
    self.msg = m;
    const refs = m.references.map(container);
    // (A) each reference the parent of the next, unless one already has a parent or a loop would form
    for (let i = 0; i + 1 < refs.length; i++) {
      const [p, c] = [refs[i], refs[i + 1]];
      if (c.parent === null && !within(p, c)) link(p, c);
    }
    // (B) the last reference is the parent; a parent from a truncated References goes
    const last = refs.at(-1);
    if (self.parent !== last) {
      unlink(self);
      if (last !== undefined && !within(last, self)) link(last, self);
    }
  }

  // (2) the messages without a parent are the threads so far
  let root: Container[] = all.filter((c) => c.parent === null);

  // (3) prune dummies, children first: an empty one goes; one with children gives way to them,
  // but at the top only when it has a single child
  for (const n of postOrder(root) as Container[]) {
    const kept: Container[] = [];
    for (const c of n.children) {
      if (c.msg !== null) kept.push(c);
      else for (const g of c.children) kept.push(g);
    }
    for (const c of kept) c.parent = n;
    n.children = kept;
  }
  root = root.flatMap((c) => (c.msg === null && c.children.length <= 1 ? c.children : [c]));
  for (const c of root) c.parent = null;

  // (4) the threads by date; a dummy by its first child's
  for (const c of root) if (c.msg === null) c.children.sort(byDate);
  root.sort(byDate);

  // (5) threads with the same base subject come together
  const subjectOf = (c: Container): string => (c.msg ?? c.children[0]?.msg)?.subject ?? '';
  const table = new Map<string, Container>();
  for (const c of root) {
    const subject = subjectOf(c);
    if (subject === '') continue;
    const held = table.get(subject);
    if (held === undefined) table.set(subject, c);
    else if (held.msg !== null && (c.msg === null || (held.msg.reply && !c.msg.reply))) table.set(subject, c);
  }
  const merged = new Set<Container>();
  const position = new Map(root.map((c, i) => [c, i]));
  for (const c of [...root]) {
    if (c.parent !== null) continue; // already placed under another thread in this step
    const subject = subjectOf(c);
    if (subject === '') continue;
    const held = table.get(subject)!;
    if (held === c) continue;
    merged.add(c);
    if (held.msg === null && c.msg === null) {
      for (const g of c.children) link(held, g);
      c.children = [];
    } else if (held.msg === null) link(held, c);
    else if (c.msg!.reply && !held.msg.reply) link(held, c);
    else {
      // neither is a reply of the other: a new dummy holds both, where the held one was
      const dummy = node(null);
      const at = position.get(held)!;
      link(dummy, held);
      link(dummy, c);
      root[at] = dummy;
      position.set(dummy, at);
      table.set(subject, dummy);
    }
  }
  root = root.filter((c) => !merged.has(c));

  // (6) every set of siblings by date, the deepest first
  for (const n of postOrder(root)) n.children.sort(byDate);
  root.sort(byDate);
  return root;
}
