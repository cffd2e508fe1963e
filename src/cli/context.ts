// What every CLI command starts from: the data directory, the config, a logger, the services.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { normaliseDomain } from '../core/address.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { dataPaths, openServices, type Services } from '../main.ts';

export type GlobalOptions = { config?: string; data: string };

export type Context = { dataDir: string; configFile: string | undefined; config: Config; log: Logger };

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function loadContext(cmd: Command, forServer = false): Context {
  const o = globalOptions(cmd);
  const dataDir = path.resolve(o.data);
  const fallback = dataPaths(dataDir).config;
  const configFile = o.config ?? (existsSync(fallback) ? fallback : undefined);
  const config = loadConfig(configFile);
  const log = forServer
    ? createLogger({ level: config.log.level, dir: config.log.file ? dataPaths(dataDir).logs : undefined, stdout: config.log.stdout })
    : createLogger({ level: 'warn', stdout: false, dir: undefined });
  return { dataDir, configFile, config, log };
}

/** Runs a management command against the services and closes them afterwards. */
export async function withServices<T>(cmd: Command, fn: (s: Services, ctx: Context) => Promise<T>): Promise<T> {
  const ctx = loadContext(cmd);
  const services = openServices(ctx.dataDir, ctx.log);
  try {
    return await fn(services, ctx);
  } finally {
    await services.close();
  }
}

/** "10G", "500M", "64k", "0" → bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s} (examples: 0, 500M, 2G)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * mult);
}

export function formatSize(n: number): string {
  if (n === 0) return '0';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** A domain name given on the command line, normalised (lower case, IDN to A-labels); throws when it is not one. */
export function domainArg(d: string): string {
  const n = normaliseDomain(d);
  if (!n) throw new Error(`not a valid domain name: ${d}`);
  return n;
}

/** domainArg, and it must be one of ours. */
export async function hostedDomain(d: string, s: Services): Promise<string> {
  const name = domainArg(d);
  if (!(await s.directory.hasDomain(name))) throw new Error(`${name} is not a hosted domain (add it with: mailhaven domain add ${name})`);
  return name;
}
