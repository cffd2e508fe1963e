// `mailhaven store repair`: bring the index in line with the Maildirs, or rebuild it.
import type { Command } from 'commander';
import { withServices } from '../context.ts';

export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description('the mailbox index and the Maildirs');
  store
    .command('repair [address]')
    .description('adopt Maildir files missing from the index and drop rows whose file is gone (all accounts, or one)')
    .option('--full', 'rebuild the index from the Maildir from scratch (new UIDVALIDITY: clients download again)')
    .action(async (address: string | undefined, o: { full?: boolean }, cmd: Command) =>
      withServices(cmd, async ({ directory, store: s }) => {
        const accounts = address ? [await directory.getAccount(address.toLowerCase())] : await directory.listAccounts();
        for (const a of accounts) {
          if (!a) throw new Error(`no such account: ${address}`);
          if (o.full) {
            const r = await s.rebuild(a);
            console.log(`${a.address}: index rebuilt, ${r.messages} messages`);
          } else {
            // The server may be running: leave files of the last minute to their delivery.
            const r = await s.reconcile(a, { minAgeMs: 60_000 });
            console.log(`${a.address}: ${r.adopted} adopted, ${r.dropped} dropped`);
          }
        }
      }),
    );
}
