// `mailhaven dns check` and the server's daily check: every record a domain needs, looked up
// and judged, with the fix for each one that is missing or wrong.
import { checkDkim, checkDmarc, checkSpf } from './checks/auth-checks.ts';
import { checkAddresses, checkMx, checkPtr, checkTtls } from './checks/host-checks.ts';
import { checkDiscovery, checkDnsbl, checkMtaSts, checkTlsrpt } from './checks/policy-checks.ts';
import type { Check, CheckContext, Finding } from './checks/types.ts';

export type { CheckContext, Finding, Status } from './checks/types.ts';

const CHECKS: Check[] = [checkMx, checkAddresses, checkPtr, checkSpf, checkDkim, checkDmarc, checkMtaSts, checkTlsrpt, checkDiscovery, checkTtls, checkDnsbl];

export async function runDnsCheck(ctx: CheckContext): Promise<Finding[]> {
  const problems: Finding[] = ctx.ips.problems.map((message) => ({ check: 'address', name: ctx.config.hostname, status: 'warning' as const, message }));
  // Independent lookups run together; a check that throws is reported, never fatal.
  const results = await Promise.all(
    CHECKS.map((c) =>
      c(ctx).catch((e: unknown): Finding[] => [{ check: c.name.replace(/^check/, '').toLowerCase(), name: ctx.domain, status: 'error', message: `check failed: ${(e as Error).message ?? String(e)}` }]),
    ),
  );
  return [...problems, ...results.flat()];
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
