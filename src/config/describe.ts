// Walks the config schema to list every setting with its default and meaning; the commented
// `mailhaven init` file and docs/config.md are both generated from this, so they cannot drift.
import { configSchema } from './schema.ts';

export type SettingDoc = { section: string; key: string; default: unknown; description: string; type: string };
export type SectionDoc = { section: string; description: string; settings: SettingDoc[] };

type Node = { def?: { type?: string; innerType?: Node; defaultValue?: unknown; entries?: Record<string, string> }; shape?: Record<string, Node>; description?: string };

function unwrap(n: Node): { inner: Node; def: unknown } {
  let def: unknown = undefined;
  let cur = n;
  for (let i = 0; i < 6 && cur.def?.innerType; i++) {
    if ((cur.def.type === 'default' || cur.def.type === 'prefault') && def === undefined) def = cur.def.defaultValue;
    cur = cur.def.innerType;
  }
  return { inner: cur, def };
}

function typeName(n: Node): string {
  const t = n.def?.type ?? 'unknown';
  if (t === 'enum' && n.def?.entries) return Object.keys(n.def.entries).map((v) => JSON.stringify(v)).join(' | ');
  return t;
}

export function describeConfig(): SectionDoc[] {
  const top: SectionDoc = { section: '', description: 'Top-level settings.', settings: [] };
  const sections: SectionDoc[] = [top];
  for (const [key, node] of Object.entries(configSchema.shape as unknown as Record<string, Node>)) {
    const { inner, def } = unwrap(node);
    if (inner.shape) {
      const sec: SectionDoc = { section: key, description: node.description ?? inner.description ?? '', settings: [] };
      for (const [k, child] of Object.entries(inner.shape)) {
        const u = unwrap(child);
        sec.settings.push({ section: key, key: k, default: u.def, description: child.description ?? '', type: typeName(u.inner) });
      }
      sections.push(sec);
    } else {
      top.settings.push({ section: '', key, default: def, description: node.description ?? '', type: typeName(inner) });
    }
  }
  return sections;
}

const toml = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(toml).join(', ')}]` : String(v));

/** A config file with every setting at its default, commented out, and its meaning. */
export function exampleConfig(): string {
  const out: string[] = [
    '# Mailhaven configuration. Every setting is shown at its default, commented out;',
    '# uncomment and change what you need. Reference: docs/config.md.',
    '',
  ];
  for (const sec of describeConfig()) {
    if (sec.section) out.push(`# ${sec.description}`, `[${sec.section}]`);
    for (const s of sec.settings) {
      out.push(`# ${s.description}`);
      out.push(s.section === '' && s.key === 'hostname' ? `# hostname = "mail.example.org"` : `# ${s.key} = ${toml(s.default)}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function configReference(): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; a test fails when it is stale. -->',
    '',
    'Mailhaven reads one TOML file: `--config FILE`, or `DATA/mailhaven.toml` when it exists. Without',
    'either it runs on the defaults below. `mailhaven init` writes a file with every setting at its',
    'default. An unknown key or a bad value stops start-up with a message naming the key and the line.',
    '',
  ];
  for (const sec of describeConfig()) {
    out.push(sec.section ? `## [${sec.section}]` : '## Top level', '', sec.description, '');
    out.push('| key | type | default | meaning |', '| --- | --- | --- | --- |');
    for (const s of sec.settings) {
      const def = s.section === '' && s.key === 'hostname' ? 'the machine name' : `\`${toml(s.default)}\``;
      out.push(`| \`${s.key}\` | ${s.type.replace(/\|/g, '\\|')} | ${def} | ${s.description.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
