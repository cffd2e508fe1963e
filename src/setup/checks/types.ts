// What one DNS check reports: a verdict per record and, when it is not ok, the exact fix.
import type { Config } from '../../config/schema.ts';
import type { DkimKeyStore } from '../../dkim/key-store.ts';
import type { Resolver } from '../../dns/resolver.ts';
import type { TtlProbe } from '../../dns/ttl-probe.ts';
import type { PublicIps } from '../public-ips.ts';

/** missing/wrong: a record to add or change; error: the lookup failed (try again); warning/info: advice. */
export type Status = 'ok' | 'missing' | 'wrong' | 'error' | 'warning' | 'info';

export type Finding = { check: string; name: string; status: Status; message: string; fix?: string };

export type CheckContext = {
  domain: string;
  config: Config;
  ips: PublicIps;
  resolver: Resolver;
  dkim: DkimKeyStore;
  ttl?: TtlProbe;
};

/** What a host check may look at: this server, never a domain (so one run serves every domain). */
export type HostContext = Pick<CheckContext, 'config' | 'ips' | 'resolver'>;

export type Check = (ctx: CheckContext) => Promise<Finding[]>;
export type HostCheck = (ctx: HostContext) => Promise<Finding[]>;

/** A lookup's records, [] for NXDOMAIN/NODATA; other failures become an "error" finding. */
export type Lookup<T> = { ok: true; value: T[] } | { ok: false; finding: Finding };
