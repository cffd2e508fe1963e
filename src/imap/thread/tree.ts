// Thread trees (RFC 5256 §BASE.6.4.THREAD) and their wire form (§BASE.7.2.THREAD):
//   thread-list    = "(" (thread-members / thread-nested) ")"
//   thread-members = nz-number *(SP nz-number) [SP thread-nested]
//   thread-nested  = 2*thread-list
// Traversals are iterative: a hostile mailbox can hold a reference chain thousands deep.
import type { ThreadInfo } from '../../store/store.ts';

/** A message, or a dummy (msg null) standing for a parent that was not found or searched. */
export type ThreadNode = { msg: ThreadInfo | null; children: ThreadNode[] };

/** Date order with mailbox order breaking ties (RFC 5256 §2.2); a dummy sorts as its first child. */
export function sortKey(n: ThreadNode): ThreadInfo | null {
  let cur: ThreadNode | undefined = n;
  while (cur !== undefined && cur.msg === null) cur = cur.children[0];
  return cur?.msg ?? null;
}

export function byDate(a: ThreadNode, b: ThreadNode): number {
  const x = sortKey(a);
  const y = sortKey(b);
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return x.sentDate - y.sentDate || x.uid - y.uid;
}

/** Every node below the roots, children before their parents. */
export function postOrder(roots: readonly ThreadNode[]): ThreadNode[] {
  const out: ThreadNode[] = [];
  const stack: { node: ThreadNode; next: number }[] = roots.map((node) => ({ node, next: 0 })).reverse();
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.node.children.length) stack.push({ node: top.node.children[top.next++], next: 0 });
    else {
      stack.pop();
      out.push(top.node);
    }
  }
  return out;
}

/** `* THREAD` data: one thread-list per root; `num` turns a UID into the number to send. */
export function formatThreads(roots: readonly ThreadNode[], num: (uid: number) => number): string {
  const out: string[] = [];
  // A stack of nodes to write and the parentheses around them, popped in writing order.
  const stack: (ThreadNode | '(' | ')')[] = [];
  const open = (nodes: readonly ThreadNode[]): void => {
    for (let i = nodes.length - 1; i >= 0; i--) stack.push(')', nodes[i], '(');
  };
  open(roots);
  let fresh = false; // just after "(": no space before the first number
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item === '(' || item === ')') {
      out.push(item);
      fresh = item === '(';
      continue;
    }
    // A chain of only children is written flat, "3 6 4"; a split nests, "3 (4)(5)".
    let node = item;
    for (;;) {
      if (node.msg !== null) {
        out.push((fresh ? '' : ' ') + num(node.msg.uid));
        fresh = false;
      }
      if (node.children.length !== 1) break;
      node = node.children[0];
    }
    if (node.children.length > 1) {
      if (!fresh) out.push(' ');
      open(node.children);
    }
  }
  return out.join('');
}
