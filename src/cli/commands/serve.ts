// `mailhaven serve`: run until SIGINT/SIGTERM, then shut down cleanly; SIGHUP reopens the log file.
import type { Command } from 'commander';
import { ListenError, startServer } from '../../main.ts';
import { reopenLogFiles } from '../../core/logger.ts';
import { loadContext } from '../context.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the mail server')
    .action(async (_o, cmd: Command) => {
      const ctx = loadContext(cmd, true);
      const { log } = ctx;
      let server;
      try {
        server = await startServer(ctx.config, ctx.dataDir, log);
      } catch (e) {
        if (e instanceof ListenError) {
          log.fatal({ event: 'listen.error' }, e.message);
          await new Promise((r) => setTimeout(r, 100));
          process.exit(1);
        }
        throw e;
      }
      for (const l of server.listening) {
        log.info({ event: 'listening', service: l.service, address: l.address, port: l.port, socket: l.socket }, `${l.service} listening on ${l.socket ?? `${l.address}:${l.port}`}`);
      }
      const domains = await server.services.directory.listDomains();
      log.info(
        { event: 'ready', hostname: ctx.config.hostname, data: ctx.dataDir, config: ctx.configFile ?? null, tls: server.tls.provider.defaultCertificate().source, acme: ctx.config.tls.acme, domains: domains.length },
        domains.length === 0
          ? `ready. Next, in another terminal: ./bin/mailhaven domain add example.org && ./bin/mailhaven user add you@example.org (data in ${ctx.dataDir})`
          : `ready: ${domains.length} domain(s), data in ${ctx.dataDir}`,
      );
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ event: 'shutdown', signal }, 'shutting down: closing listeners, finishing messages in flight');
        await server.stop();
        log.info({ event: 'stopped' }, 'stopped');
        log.flush();
        setTimeout(() => process.exit(0), 50);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      // logrotate's postrotate: `kill -HUP <pid>` makes the server write to a new mailhaven.log.
      process.on('SIGHUP', () => {
        reopenLogFiles();
        log.info({ event: 'log.reopened' }, 'log file reopened');
      });
    });
}
