// `mailhaven dns records|check DOMAIN` and `mailhaven client-settings USER`: the set-up work
// that is hard to get right by hand.
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { parseAddress } from '../../core/address.ts';
import { DkimKeyStore } from '../../dkim/key-store.ts';
import { createResolver } from '../../dns/resolver.ts';
import { createTtlProbe } from '../../dns/ttl-probe.ts';
import { dataPaths } from '../../main.ts';
import { clientEndpoints, settingsTable } from '../../setup/client-settings.ts';
import { exitCode, formatFindings, runDnsCheck } from '../../setup/dns-check.ts';
import { domainRecords, ptrRecords, zoneFile } from '../../setup/dns-records.ts';
import { publicIps } from '../../setup/public-ips.ts';
import { hostedDomain, withServices } from '../context.ts';

/** "host", "host:port", "[v6]:port" or a bare IPv6 address. */
function resolverArg(s: string): string {
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s);
  const [host, port] = v6 ? [v6[1], v6[2]] : isIP(s) === 6 ? [s, undefined] : s.split(':');
  if (!isIP(host) || (port !== undefined && !(Number(port) > 0 && Number(port) < 65536))) {
    throw new Error(`--resolver wants an IP address with an optional port (e.g. 127.0.0.1:5353 or [::1]:53), not ${s}`);
  }
  return s;
}

export function registerSetupCommands(program: Command): void {
  const dnsCmd = program.command('dns').description('the DNS records hosted domains need, and a check of them');
  dnsCmd
    .command('records <domain>')
    .description('print every record DOMAIN needs, in zone-file syntax (creates its DKIM keys if it has none)')
    .option('--json', 'print JSON instead of zone-file lines')
    .option('--strict', 'SPF with -all (hard fail) instead of ~all')
    .action(async (d: string, o: { json?: boolean; strict?: boolean }, cmd: Command) =>
      withServices(cmd, async (services, ctx) => {
        const domain = await hostedDomain(d, services);
        const dkim = new DkimKeyStore(dataPaths(ctx.dataDir).dkim);
        dkim.ensure(domain);
        const ips = publicIps(ctx.config);
        const records = domainRecords({ domain, config: ctx.config, ips, dkim, strictSpf: o.strict });
        const ptr = ptrRecords(ctx.config, ips);
        for (const p of ips.problems) console.error(`mailhaven: ${p}`);
        if (o.json) console.log(JSON.stringify({ domain, hostname: ctx.config.hostname, addresses: { ipv4: ips.ipv4, ipv6: ips.ipv6 }, records, ptr, problems: ips.problems }, null, 2));
        else process.stdout.write(zoneFile(domain, ctx.config, records, ptr, ips.problems));
      }),
    );
  dnsCmd
    .command('check <domain>')
    .description('look up every record DOMAIN needs and report ok / missing / wrong with the fix; exit 1 when something is wrong, 2 when lookups failed')
    .option('--resolver <host[:port]>', 'name server to ask (e.g. the domain\'s authoritative server); default: [dns] servers, else the system\'s')
    .option('--json', 'print JSON')
    .action(async (d: string, o: { resolver?: string; json?: boolean }, cmd: Command) => {
      const code = await withServices(cmd, async (services, ctx) => {
        const domain = await hostedDomain(d, services);
        const servers = o.resolver ? [resolverArg(o.resolver)] : ctx.config.dns.servers;
        const resolver = createResolver({ servers, timeoutMs: ctx.config.dns.timeout });
        const findings = await runDnsCheck({
          domain,
          config: ctx.config,
          ips: publicIps(ctx.config),
          resolver,
          dkim: new DkimKeyStore(dataPaths(ctx.dataDir).dkim),
          ttl: createTtlProbe(servers, ctx.config.dns.timeout),
        });
        const rc = exitCode(findings);
        if (o.json) console.log(JSON.stringify({ domain, hostname: ctx.config.hostname, exitCode: rc, findings }, null, 2));
        else process.stdout.write(formatFindings(domain, findings));
        return rc;
      });
      process.exitCode = code;
    });

  program
    .command('client-settings <address>')
    .description('the settings a mail client needs for an account: servers, ports, TLS, user name')
    .option('--json', 'print JSON')
    .action(async (a: string, o: { json?: boolean }, cmd: Command) =>
      withServices(cmd, async ({ directory }, ctx) => {
        const p = parseAddress(a);
        if (!p.ok) throw new Error(`not a valid address: ${a} (${p.reason})`);
        const address = `${p.address.local}@${p.address.domain}`;
        if (!(await directory.hasDomain(p.address.domain))) console.error(`mailhaven: warning: ${p.address.domain} is not a hosted domain`);
        else if (!(await directory.getAccount(address.toLowerCase()))) console.error(`mailhaven: warning: no account ${address} (yet)`);
        const endpoints = clientEndpoints(ctx.config);
        if (o.json) console.log(JSON.stringify({ address, hostname: ctx.config.hostname, username: address, endpoints }, null, 2));
        else console.log(`Settings for ${address}\n\n${settingsTable(ctx.config.hostname, address, endpoints)}`);
      }),
    );
}
