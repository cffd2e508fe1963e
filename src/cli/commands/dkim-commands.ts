// `mailhaven dkim list|rotate|remove|record DOMAIN`: the DKIM keys each hosted domain signs
// with. Rotation makes a new RSA + Ed25519 pair active and retires the old pair, which stays
// in `dkim record` until removed, so mail signed just before the rotation still verifies while
// it travels; remove a retired key a few days after publishing the new records.
import type { Command } from 'commander';
import { DkimKeyStore } from '../../dkim/key-store.ts';
import { dataPaths } from '../../main.ts';
import { hostedDomain, withServices, type Context } from '../context.ts';

const keyStore = (ctx: Context) => new DkimKeyStore(dataPaths(ctx.dataDir).dkim);

/** Zone-file lines for every published key: character-strings of at most 255 octets. */
export function zoneRecords(keys: DkimKeyStore, domain: string): string[] {
  return keys.list(domain).map((k) => {
    const value = keys.dnsRecordOf(domain, k);
    const chunks = value.match(/.{1,255}/g) ?? [''];
    return `${k.selector}._domainkey.${domain}. IN TXT ${chunks.map((c) => `"${c}"`).join(' ')}`;
  });
}

export function registerDkimCommands(program: Command): void {
  const dkim = program.command('dkim').description('DKIM signing keys of hosted domains');
  dkim
    .command('list <domain>')
    .description('the keys of a domain: selector, algorithm, state (active keys sign), creation time')
    .action(async (d: string, _o, cmd: Command) =>
      withServices(cmd, async (s, ctx) => {
        const domain = await hostedDomain(d, s);
        const keys = keyStore(ctx).list(domain);
        if (keys.length === 0) console.log(`${domain} has no DKIM keys yet (mailhaven dkim rotate ${domain} makes them)`);
        for (const k of keys) console.log(`${k.selector}\t${k.algorithm}\t${k.state}\t${k.created}`);
      }),
    );
  dkim
    .command('rotate <domain>')
    .description('make a new RSA 2048 and Ed25519 key pair active and retire the current ones')
    .action(async (d: string, _o, cmd: Command) =>
      withServices(cmd, async (s, ctx) => {
        const domain = await hostedDomain(d, s);
        const store = keyStore(ctx);
        const keys = store.rotate(domain);
        for (const k of keys.filter((x) => x.state === 'active')) console.log(`new active key ${k.selector} (${k.algorithm})`);
        console.log('Publish these TXT records now (retired keys stay until you remove them):');
        for (const line of zoneRecords(store, domain)) console.log(line);
      }),
    );
  dkim
    .command('remove <domain> <selector>')
    .description('forget a retired key (then delete its DNS record)')
    .action(async (d: string, selector: string, _o, cmd: Command) =>
      withServices(cmd, async (s, ctx) => {
        const domain = await hostedDomain(d, s);
        keyStore(ctx).remove(domain, selector);
        console.log(`key ${selector} of ${domain} removed; delete the TXT record ${selector}._domainkey.${domain}`);
      }),
    );
  dkim
    .command('record <domain>')
    .description('the DNS TXT records to publish for the domain\'s keys, in zone-file form')
    .action(async (d: string, _o, cmd: Command) =>
      withServices(cmd, async (s, ctx) => {
        const domain = await hostedDomain(d, s);
        const store = keyStore(ctx);
        if (store.list(domain).length === 0) throw new Error(`${domain} has no DKIM keys yet (mailhaven dkim rotate ${domain} makes them)`);
        for (const line of zoneRecords(store, domain)) console.log(line);
      }),
    );
}
