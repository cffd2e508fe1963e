// Reads the TOML config, validates it against the schema, and turns every problem into a
// message that names the file, the line, the key and what is allowed.
import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Loads FILE, or the defaults when no file is given. */
export function loadConfig(file?: string): Config {
  if (!file) return validate({}, '(defaults)', '');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) throw new ConfigError(`${file}:${e.line}:${e.column}: invalid TOML: ${e.message.split('\n')[0]}`);
    throw e;
  }
  return validate(raw, file, text);
}

function validate(raw: unknown, file: string, text: string): Config {
  const r = configSchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((issue) => describeIssue(issue, file, text));
  throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
}

function describeIssue(issue: z.core.$ZodIssue, file: string, text: string): string {
  const keyPath = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((k) => {
        const full = [...keyPath, k];
        const allowed = allowedKeys(keyPath);
        return `${where(file, text, full)}: unknown key "${full.join('.')}"; allowed here: ${allowed.join(', ')}`;
      })
      .join('\n  ');
  }
  const key = keyPath.join('.') || '(top level)';
  return `${where(file, text, keyPath)}: "${key}": ${issue.message}`;
}

/** The keys the schema allows at a section path, for "unknown key" messages. */
function allowedKeys(section: string[]): string[] {
  let shape: Record<string, unknown> = configSchema.shape;
  for (const part of section) {
    const next = unwrap(shape[part]);
    if (!next) return [];
    shape = next;
  }
  return Object.keys(shape);
}

function unwrap(t: unknown): Record<string, unknown> | undefined {
  let cur = t as { shape?: Record<string, unknown>; def?: { innerType?: unknown } } | undefined;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur.shape) return cur.shape;
    cur = cur.def?.innerType as typeof cur;
  }
  return undefined;
}

/** "file:line" of the key when it can be found in the text, else just the file. */
function where(file: string, text: string, keyPath: string[]): string {
  if (!text || keyPath.length === 0) return file;
  const lines = text.split('\n');
  const section = keyPath.slice(0, -1).join('.');
  const key = keyPath[keyPath.length - 1];
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    const h = /^\[\s*([^\]]+?)\s*\]/.exec(l);
    if (h) {
      current = h[1];
      if (current === keyPath.join('.')) return `${file}:${i + 1}`;
      continue;
    }
    const m = /^("?)([A-Za-z0-9_.-]+)\1\s*=/.exec(l);
    if (m && current === section && m[2] === key) return `${file}:${i + 1}`;
    if (m && current === '' && m[2] === keyPath.join('.')) return `${file}:${i + 1}`;
  }
  return file;
}
