// `mailhaven dns check` and the server's daily check: every record a domain needs, looked up
// and judged, with the fix for each one that is missing or wrong. Host checks (the host name's
// addresses, reverse DNS, blocklists) depend only on this server, not on the domain: the daily
// check runs them once per run and shares their findings among the hosted domains.
import { checkDkim, checkDmarc, checkSpf } from './checks/auth-checks.ts';
import { checkAddresses, checkMx, checkPtr, checkTtls } from './checks/host-checks.ts';
import { checkDiscovery, checkDnsbl, checkMtaSts, checkTlsrpt } from './checks/policy-checks.ts';
import type { Check, CheckContext, Finding, HostCheck, HostContext } from './checks/types.ts';

export type { CheckContext, Finding, HostContext, Status } from './checks/types.ts';

type Entry = { scope: 'host'; run: HostCheck } | { scope: 'domain'; run: Check };
const ofHost = (run: HostCheck): Entry => ({ scope: 'host', run });
const ofDomain = (run: Check): Entry => ({ scope: 'domain', run });

/** In the order the report lists them. */
const CHECKS: Entry[] = [
  ofDomain(checkMx), ofHost(checkAddresses), ofHost(checkPtr), ofDomain(checkSpf), ofDomain(checkDkim), ofDomain(checkDmarc),
  ofDomain(checkMtaSts), ofDomain(checkTlsrpt), ofDomain(checkDiscovery), ofDomain(checkTtls), ofHost(checkDnsbl),
];

/** What the host checks found, for every domain of one run. */
export type HostFindings = { readonly addresses: Finding[]; readonly byCheck: ReadonlyMap<HostCheck, Finding[]> };

/** A check that throws is reported, never fatal. */
async function guarded(run: () => Promise<Finding[]>, check: string, name: string): Promise<Finding[]> {
  try {
    return await run();
  } catch (e) {
    return [{ check: check.replace(/^check/, '').toLowerCase(), name, status: 'error', message: `check failed: ${(e as Error).message ?? String(e)}` }];
  }
}

export async function runHostChecks(ctx: HostContext): Promise<HostFindings> {
  const addresses: Finding[] = ctx.ips.problems.map((message) => ({ check: 'address', name: ctx.config.hostname, status: 'warning' as const, message }));
  const hostChecks = CHECKS.flatMap((c) => (c.scope === 'host' ? [c.run] : []));
  const results = await Promise.all(hostChecks.map((c) => guarded(() => c(ctx), c.name, ctx.config.hostname)));
  return { addresses, byCheck: new Map(hostChecks.map((c, i) => [c, results[i]])) };
}

/** Every check for one domain; `shared` is this run's host findings, else the host checks run too. */
export async function runDnsCheck(ctx: CheckContext, shared?: HostFindings | Promise<HostFindings>): Promise<Finding[]> {
  // Independent lookups run together.
  const [h, own] = await Promise.all([
    shared ?? runHostChecks(ctx),
    Promise.all(CHECKS.map((c) => (c.scope === 'domain' ? guarded(() => c.run(ctx), c.run.name, ctx.domain) : []))),
  ]);
  return [...h.addresses, ...CHECKS.flatMap((c, i) => (c.scope === 'host' ? (h.byCheck.get(c.run) ?? []) : own[i]))];
}

/** 0: all good (warnings allowed); 1: a record is missing or wrong; 2: only lookups failed. */
export function exitCode(findings: Finding[]): number {
  if (findings.some((f) => f.status === 'missing' || f.status === 'wrong')) return 1;
  if (findings.some((f) => f.status === 'error')) return 2;
  return 0;
}

const MARK: Record<Finding['status'], string> = { ok: 'ok     ', missing: 'MISSING', wrong: 'WRONG  ', error: 'ERROR  ', warning: 'warning', info: 'info   ' };

export function formatFindings(domain: string, findings: Finding[]): string {
  const lines = [`DNS check of ${domain}`];
  for (const f of findings) {
    lines.push(`${MARK[f.status]}  ${f.check.padEnd(9)} ${f.message}`);
    if (f.fix && f.status !== 'ok') lines.push(`         fix: ${f.fix}`);
  }
  const count = (s: Finding['status']) => findings.filter((f) => f.status === s).length;
  const bad = count('missing') + count('wrong');
  lines.push(
    bad === 0 && count('error') === 0
      ? `${domain}: all required records are in place${count('warning') ? ` (${count('warning')} warning(s))` : ''}.`
      : `${domain}: ${bad} problem(s)${count('error') ? `, ${count('error')} lookup(s) failed` : ''}. DNS changes take up to the old TTL to be seen everywhere.`,
  );
  return lines.join('\n') + '\n';
}
