// Who a recipient address is: hosted accounts (with an optional subaddress detail), external
// forwarding destinations, unknown, or a loop. Order of lookups, as a mail admin expects:
// exact alias, exact account, then the subaddress base (alias, account), then the catch-all.
import { splitSubaddress } from '../core/address.ts';
import type { Account, Directory } from './directory.ts';

export type LocalTarget = { account: Account; detail: string | null };

export type Resolution =
  | { kind: 'foreign' }
  | { kind: 'unknown' }
  | { kind: 'loop' }
  | { kind: 'found'; local: LocalTarget[]; external: string[] };

export type ResolveOptions = { subaddressSeparator: string; maxDepth: number };

/** `key` is a directory lookup key: lower-case local part, '@', A-label domain. */
export async function resolveRecipient(dir: Directory, key: string, opts: ResolveOptions): Promise<Resolution> {
  const domain = key.slice(key.lastIndexOf('@') + 1);
  if (!(await dir.hasDomain(domain))) return { kind: 'foreign' };
  const local = new Map<number, LocalTarget>();
  const external = new Set<string>();
  let loop = false;

  const expand = async (addr: string, detail: string | null, path: string[]): Promise<boolean> => {
    if (path.length > opts.maxDepth || path.includes(addr)) {
      loop = true;
      return true;
    }
    const at = addr.lastIndexOf('@');
    const [lp, dom] = [addr.slice(0, at), addr.slice(at + 1)];
    if (!(await dir.hasDomain(dom))) {
      external.add(addr);
      return true;
    }
    const here = [...path, addr];
    const expandAll = async (targets: string[], d: string | null) => {
      for (const t of targets) {
        // An alias that lists itself ("keep a copy and forward") delivers to its own account.
        if (t === addr) {
          const own = await dir.getAccount(addr);
          if (own) add(own, d);
          else loop = true;
          continue;
        }
        await expand(t, d, here);
      }
      return true;
    };

    const exact = await dir.aliasTargets(addr);
    if (exact.length > 0) return expandAll(exact, detail);
    const account = await dir.getAccount(addr);
    if (account) return add(account, detail);

    const { base, detail: sub } = splitSubaddress(lp, opts.subaddressSeparator);
    if (sub !== null) {
      const baseAddr = `${base}@${dom}`;
      const baseAlias = await dir.aliasTargets(baseAddr);
      if (baseAlias.length > 0) return expandAll(baseAlias, sub);
      const baseAccount = await dir.getAccount(baseAddr);
      if (baseAccount) return add(baseAccount, sub);
    }

    const catchAll = await dir.aliasTargets(`@${dom}`);
    if (catchAll.length > 0) return expandAll(catchAll, detail);
    return false;
  };

  const add = (account: Account, detail: string | null): true => {
    if (!local.has(account.id)) local.set(account.id, { account, detail });
    return true;
  };

  await expand(key, null, []);
  if (local.size === 0 && external.size === 0) return loop ? { kind: 'loop' } : { kind: 'unknown' };
  return { kind: 'found', local: [...local.values()], external: [...external] };
}
