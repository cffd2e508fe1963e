// The running server's own DNS check: shortly after start, then every [dns_check] interval,
// each hosted domain is checked and every problem logged. DNS failures are logged, never thrown.
// Checks of the host alone run once per run; their findings are logged with each domain's.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import type { DkimKeyStore } from '../dkim/key-store.ts';
import type { Directory } from '../directory/directory.ts';
import type { Resolver } from '../dns/resolver.ts';
import { exitCode, runDnsCheck, runHostChecks } from './dns-check.ts';
import { publicIps } from './public-ips.ts';

export type DailyCheckDeps = {
  config: Config;
  directory: Pick<Directory, 'listDomains'>;
  resolver: Resolver;
  dkim: DkimKeyStore;
  log: Logger;
};

export type ScheduledCheck = { runNow(): Promise<void>; stop(): void };

export function scheduleDnsCheck(deps: DailyCheckDeps): ScheduledCheck {
  const { config, log } = deps;
  let running: Promise<void> | null = null;
  let stopped = false;

  const runOnce = async () => {
    const ips = publicIps(config);
    const domains = await deps.directory.listDomains();
    if (domains.length === 0 || stopped) return;
    // The host name's addresses, reverse DNS and blocklists once per run, whatever the number
    // of domains; each domain's report still lists them, as `dns check DOMAIN` does.
    // Not awaited here: they run alongside the first domain's checks (and never reject).
    const host = runHostChecks({ config, ips, resolver: deps.resolver });
    for (const domain of domains) {
      if (stopped) return;
      const findings = await runDnsCheck({ domain, config, ips, resolver: deps.resolver, dkim: deps.dkim }, host);
      const problems = findings.filter((f) => f.status !== 'ok' && f.status !== 'info');
      for (const f of problems) {
        const level = f.status === 'warning' ? 'info' : 'warn';
        log[level]({ event: 'dns.check.problem', domain, check: f.check, name: f.name, status: f.status, fix: f.fix }, `DNS of ${domain}: ${f.message}`);
      }
      const rc = exitCode(findings);
      log.info({ event: 'dns.check', domain, ok: rc === 0, problems: problems.length }, rc === 0 ? `DNS of ${domain} is in order` : `DNS of ${domain} has problems; run: mailhaven dns check ${domain}`);
    }
  };
  const runNow = (): Promise<void> => {
    // One run at a time: a slow resolver must not pile checks up.
    running ??= runOnce()
      .catch((e: unknown) => log.warn({ event: 'dns.check.failed', err: e }, 'DNS check failed; will try again at the next interval'))
      .finally(() => (running = null));
    return running;
  };

  const first = setTimeout(() => void runNow(), config.dns_check.first_delay * 1000);
  const every = setInterval(() => void runNow(), config.dns_check.interval * 1000);
  first.unref();
  every.unref();
  return {
    runNow,
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
