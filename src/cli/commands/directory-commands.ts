// `mailhaven domain|user|alias …`: managing who receives mail. Writes go straight to the
// database, so a running server sees them at its next lookup.
import type { Command } from 'commander';
import { lookupKey, parseAddress } from '../../core/address.ts';
import { hashPassword, isSupportedHash } from '../../directory/passwords.ts';
import { DkimKeyStore } from '../../dkim/key-store.ts';
import { dataPaths } from '../../main.ts';
import { domainArg, formatSize, parseSize, withServices } from '../context.ts';
import { promptPassword, readPasswordFromStdin } from '../password-input.ts';

/** An account address: normalised, with a local part that is safe as a directory name. */
function accountArg(a: string, separator: string): { local: string; domain: string; address: string } {
  const p = parseAddress(a);
  if (!p.ok) throw new Error(`not a valid address: ${a} (${p.reason})`);
  const key = lookupKey(p.address);
  const local = key.slice(0, key.lastIndexOf('@'));
  if (!/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u.test(local) || local.includes('..')) {
    throw new Error(`account names may hold letters, digits, ".", "_" and "-" (starting with a letter or digit): ${a}`);
  }
  if (separator && local.includes(separator)) throw new Error(`"${separator}" is the subaddress separator and cannot be part of an account name`);
  return { local, domain: p.address.domain, address: key };
}

/** An alias source: "local@domain" or a catch-all "@domain". */
function aliasSource(s: string): string {
  if (s.startsWith('@')) return `@${domainArg(s.slice(1))}`;
  const p = parseAddress(s);
  if (!p.ok) throw new Error(`not a valid address: ${s} (${p.reason})`);
  return lookupKey(p.address);
}

function destinationArg(s: string): string {
  const p = parseAddress(s);
  if (!p.ok) throw new Error(`not a valid destination address: ${s} (${p.reason})`);
  return lookupKey(p.address);
}

async function newPasswordHash(opts: { passwordStdin?: boolean; passwordHash?: string }): Promise<string> {
  if (opts.passwordHash) {
    if (!isSupportedHash(opts.passwordHash)) {
      throw new Error('unsupported hash: use {ARGON2ID}/$argon2id$, {SHA512-CRYPT}/$6$, {SHA256-CRYPT}/$5$ or {BLF-CRYPT}/$2y$');
    }
    return opts.passwordHash;
  }
  const plain = opts.passwordStdin ? await readPasswordFromStdin() : await promptPassword('Password: ');
  return hashPassword(plain);
}

export function registerDirectoryCommands(program: Command): void {
  const domain = program.command('domain').description('hosted domains');
  domain
    .command('add <domain>')
    .description('start receiving mail for a domain')
    .action(async (d: string, _o, cmd: Command) =>
      withServices(cmd, async ({ directory }, ctx) => {
        const name = domainArg(d);
        await directory.addDomain(name);
        // Its DKIM keys now, so the first message sent from it is signed.
        new DkimKeyStore(dataPaths(ctx.dataDir).dkim).ensure(name);
        console.log(`domain ${name} added, with DKIM keys (publish them: mailhaven dkim record ${name}). Next: mailhaven user add you@${name}`);
      }),
    );
  domain
    .command('list')
    .description('list hosted domains')
    .action(async (_o, cmd: Command) =>
      withServices(cmd, async ({ directory }) => {
        for (const d of await directory.listDomains()) console.log(d);
      }),
    );
  domain
    .command('remove <domain>')
    .description('stop hosting a domain (it must have no accounts left)')
    .action(async (d: string, _o, cmd: Command) =>
      withServices(cmd, async ({ directory }) => {
        await directory.removeDomain(domainArg(d));
        console.log(`domain ${domainArg(d)} removed`);
      }),
    );

  const user = program.command('user').description('mail accounts');
  user
    .command('add <address>')
    .description('create an account with INBOX, Sent, Drafts, Junk, Trash and Archive')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--password-hash <hash>', 'use an existing hash (imported from Dovecot: {SHA512-CRYPT}, {BLF-CRYPT}, {ARGON2ID})')
    .option('--quota <size>', 'storage quota, e.g. 2G (0 = unlimited; default from [delivery] default_quota)')
    .action(async (a: string, o: { passwordStdin?: boolean; passwordHash?: string; quota?: string }, cmd: Command) =>
      withServices(cmd, async ({ directory, store }, ctx) => {
        const acc = accountArg(a, ctx.config.delivery.subaddress_separator);
        if (!(await directory.hasDomain(acc.domain))) throw new Error(`${acc.domain} is not a hosted domain (add it with: mailhaven domain add ${acc.domain})`);
        const quota = o.quota !== undefined ? parseSize(o.quota) : ctx.config.delivery.default_quota;
        const passwordHash = await newPasswordHash(o);
        const created = await directory.addAccount({ local: acc.local, domain: acc.domain, passwordHash, quota });
        await store.createAccount(created);
        console.log(`account ${created.address} created${quota ? ` (quota ${formatSize(quota)})` : ''}`);
        // RFC 5321 §4.5.1: postmaster@ every hosted domain MUST be accepted. The domain's
        // first account receives it until an alias or an account says otherwise.
        const postmaster = `postmaster@${acc.domain}`;
        if (acc.local !== 'postmaster' && !(await directory.getAccount(postmaster)) && (await directory.aliasTargets(postmaster)).length === 0) {
          await directory.addAlias(postmaster, created.address);
          console.log(`${postmaster} goes to ${created.address} (change it with: mailhaven alias add/remove ${postmaster} ...)`);
        }
      }),
    );
  user
    .command('passwd <address>')
    .description('set a new password')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--password-hash <hash>', 'use an existing hash')
    .action(async (a: string, o: { passwordStdin?: boolean; passwordHash?: string }, cmd: Command) =>
      withServices(cmd, async ({ directory }, ctx) => {
        const acc = accountArg(a, ctx.config.delivery.subaddress_separator);
        await directory.setPassword(acc.address, await newPasswordHash(o));
        console.log(`password of ${acc.address} changed`);
      }),
    );
  user
    .command('list [domain]')
    .description('list accounts with their usage and quota')
    .action(async (d: string | undefined, _o, cmd: Command) =>
      withServices(cmd, async ({ directory, store }) => {
        for (const acc of await directory.listAccounts(d ? domainArg(d) : undefined)) {
          const used = await store.usage(acc.id);
          console.log(`${acc.address}\t${formatSize(used)}\t${acc.quota ? formatSize(acc.quota) : 'unlimited'}`);
        }
      }),
    );
  user
    .command('remove <address>')
    .description('delete an account (its Maildir is kept unless --purge)')
    .option('--purge', 'also delete all of its mail from disk')
    .action(async (a: string, o: { purge?: boolean }, cmd: Command) =>
      withServices(cmd, async ({ directory, store }, ctx) => {
        const acc = accountArg(a, ctx.config.delivery.subaddress_separator);
        const found = await directory.getAccount(acc.address);
        if (!found) throw new Error(`no such account: ${acc.address}`);
        await directory.removeAccount(acc.address);
        await store.deleteAccount(found, !!o.purge);
        console.log(`account ${acc.address} removed${o.purge ? ' and its mail deleted' : '; its mail stays in ' + `mail/${found.domain}/${found.local}`}`);
      }),
    );
  user
    .command('quota <address> [size]')
    .description('show or set the quota (e.g. 2G; 0 = unlimited)')
    .action(async (a: string, size: string | undefined, _o, cmd: Command) =>
      withServices(cmd, async ({ directory, store }, ctx) => {
        const acc = accountArg(a, ctx.config.delivery.subaddress_separator);
        if (size !== undefined) await directory.setQuota(acc.address, parseSize(size));
        const found = await directory.getAccount(acc.address);
        if (!found) throw new Error(`no such account: ${acc.address}`);
        console.log(`${found.address}: ${formatSize(await store.usage(found.id))} used of ${found.quota ? formatSize(found.quota) : 'unlimited'}`);
      }),
    );

  const alias = program.command('alias').description('aliases, forwarding and catch-all addresses');
  alias
    .command('add <source> <destinations...>')
    .description('deliver mail for SOURCE (local@domain, or @domain for a catch-all) to one or more addresses')
    .action(async (s: string, dests: string[], _o, cmd: Command) =>
      withServices(cmd, async ({ directory }) => {
        const source = aliasSource(s);
        // Adding what is there already succeeds (scripts re-run; postmaster@ is made by user add).
        const have = new Set(await directory.aliasTargets(source));
        for (const d of dests) if (!have.has(destinationArg(d))) await directory.addAlias(source, destinationArg(d));
        console.log(`alias ${source} → ${dests.map(destinationArg).join(', ')}`);
      }),
    );
  alias
    .command('list [domain]')
    .description('list aliases')
    .action(async (d: string | undefined, _o, cmd: Command) =>
      withServices(cmd, async ({ directory }) => {
        for (const a of await directory.listAliases(d ? domainArg(d) : undefined)) console.log(`${a.source}\t${a.destination}`);
      }),
    );
  alias
    .command('remove <source> [destination]')
    .description('remove an alias, or one of its destinations')
    .action(async (s: string, d: string | undefined, _o, cmd: Command) =>
      withServices(cmd, async ({ directory }) => {
        const n = await directory.removeAlias(aliasSource(s), d ? destinationArg(d) : undefined);
        if (n === 0) throw new Error(`no such alias: ${s}${d ? ` → ${d}` : ''}`);
        console.log(`removed ${n} alias entr${n === 1 ? 'y' : 'ies'}`);
      }),
    );
}
