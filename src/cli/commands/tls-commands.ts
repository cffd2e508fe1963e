// `mailhaven tls status`: the certificates the server presents, their names and expiry.
import type { Command } from 'commander';
import { dataPaths } from '../../main.ts';
import { formatTlsStatus, tlsStatus } from '../../tls/tls-status.ts';
import { withServices } from '../context.ts';

export function registerTlsCommands(program: Command): void {
  const tls = program.command('tls').description('TLS certificates');
  tls
    .command('status')
    .description('each certificate (file, self-signed or ACME): names, issuer, expiry, where it is served; exits 1 when one is unusable or expired')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) =>
      withServices(cmd, async ({ directory }, ctx) => {
        const status = await tlsStatus({ config: ctx.config, dataDir: ctx.dataDir, tlsDir: dataPaths(ctx.dataDir).tls, domains: await directory.listDomains() });
        console.log(o.json ? JSON.stringify(status, null, 2) : formatTlsStatus(status));
        if (status.certificates.some((c) => c.error !== null || (c.daysLeft ?? 0) < 0)) process.exitCode = 1;
      }),
    );
}
