/**
 * Command-line options of bench/smtp-ingest.ts, and the usage text, which is the script's own
 * leading doc comment. The helpers (usageOf, integer, perConcurrency) suit any benchmark.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export type Side = 'mailhaven' | 'postfix';

export interface Options {
  sides: Side[];
  concurrencies: number[];
  messages: (c: number) => number;
  size: number;
  warmup: number;
  repeat: number;
  reuse: boolean;
  timeoutMs: number;
  tmp: string;
  keep: boolean;
  /** Mailhaven's `[smtp] threads` (undefined: its default, "auto"). */
  threads: number | undefined;
}

const DEFAULT_MESSAGES: Record<number, number> = { 1: 2000, 10: 4000, 50: 4000 };

/** The usage text of a script: its leading /** … *\/ comment, without the stars. */
export function usageOf(scriptUrl: string): string {
  const text = fs.readFileSync(new URL(scriptUrl), 'utf8');
  const doc = text.slice(text.indexOf('/**') + 3, text.indexOf('*/'));
  return doc.split('\n').map((l) => l.replace(/^ \* ?/, '').replace(/^ \*$/, '')).join('\n').trim();
}

/**
 * Parses a script's command line with `parse`, the usage text being the script's doc comment;
 * on a bad option prints the error and the usage to stderr and returns undefined (exit status 2).
 */
export function parseCommandLine<O>(scriptUrl: string, parse: (argv: string[], usage: () => string) => O): O | undefined {
  const usage = (): string => usageOf(scriptUrl);
  try {
    return parse(process.argv.slice(2), usage);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage()}`);
    return undefined;
  }
}

/** On --help prints `usage` and exits. */
export function exitOnHelp(help: boolean, usage: () => string): void {
  if (help) {
    console.log(usage());
    process.exit(0);
  }
}

/**
 * The sides to run: all of `all` in that order, or the one --only names, which must be one of
 * `choices` (else throws).
 */
export function sidesOf<S extends string>(only: string | undefined, choices: readonly S[], all: readonly S[]): S[] {
  if (only === undefined) return [...all];
  const side = choices.find((c) => c === only);
  if (side === undefined) throw new Error(`--only: expected ${choices.join(' or ')}`);
  return [side];
}

/** Parses the value of --`name` as an integer ≥ `min`, or throws. */
export function integer(name: string, s: string, min: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(s)}`);
  return n;
}

/**
 * A count per concurrency from `N` (the same for all) or `C=N,C=N,…` (a count for each
 * concurrency named; asking for another throws).
 */
export function perConcurrency(name: string, spec: string): (c: number) => number {
  if (!spec.includes('=')) {
    const n = integer(name, spec, 1);
    return () => n;
  }
  const table = new Map<number, number>();
  for (const part of spec.split(',')) {
    const [c, n] = part.split('=');
    table.set(integer(name, (c ?? '').trim(), 1), integer(name, (n ?? '').trim(), 1));
  }
  return (c) => {
    const n = table.get(c);
    if (n === undefined) throw new Error(`--${name} gives no count for concurrency ${c}`);
    return n;
  };
}

/** Parses the arguments; on --help prints `usage` and exits. Throws on a bad option. */
export function parseOptions(argv: string[], usage: () => string): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      concurrency: { type: 'string', default: '1,10,50' },
      messages: { type: 'string' },
      size: { type: 'string', default: '4096' },
      warmup: { type: 'string', default: '100' },
      repeat: { type: 'string', default: '1' },
      reuse: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '180' },
      tmp: { type: 'string', default: os.tmpdir() },
      keep: { type: 'boolean', default: false },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  exitOnHelp(values.help, usage);
  return {
    sides: sidesOf<Side>(values.only, ['mailhaven', 'postfix'], ['postfix', 'mailhaven']),
    concurrencies: values.concurrency.split(',').map((s) => integer('concurrency', s.trim(), 1)),
    messages: values.messages === undefined ? (c) => DEFAULT_MESSAGES[c] ?? 4000 : perConcurrency('messages', values.messages),
    size: integer('size', values.size, 1),
    warmup: integer('warmup', values.warmup, 0),
    repeat: integer('repeat', values.repeat, 1),
    reuse: values.reuse,
    timeoutMs: integer('timeout', values.timeout, 1) * 1000,
    tmp: path.resolve(values.tmp),
    keep: values.keep,
    threads: values.threads === undefined ? undefined : integer('threads', values.threads, 0),
  };
}
