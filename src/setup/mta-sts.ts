// The MTA-STS policy (RFC 8461 §3.2) and the id of its _mta-sts TXT record (§3.1). The id is
// derived from the policy text, so changing mode, max_age or the host name changes it and
// senders refetch; an unchanged policy keeps its id across restarts.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';

export function mtaStsPolicy(config: Config): string {
  const lines = ['version: STSv1', `mode: ${config.mta_sts.mode}`, `mx: ${config.hostname.toLowerCase()}`, `max_age: ${config.mta_sts.max_age}`];
  return lines.map((l) => `${l}\r\n`).join('');
}

/** sts-id = 1*32(ALPHA / DIGIT). */
export function mtaStsId(policy: string): string {
  return createHash('sha256').update(policy).digest('hex').slice(0, 20);
}

export function mtaStsTxt(config: Config): string {
  return `v=STSv1; id=${mtaStsId(mtaStsPolicy(config))}`;
}
