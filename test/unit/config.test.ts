// Config validation messages, and the generated reference staying in step with the schema.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configReference, exampleConfig } from '../../src/config/describe.ts';
import { ConfigError, parseConfigText } from '../../src/config/load.ts';

const errorOf = (text: string) => {
  try {
    parseConfigText(text, 'm.toml');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message;
  }
  assert.fail('expected a ConfigError');
};

describe('config', () => {
  it('defaults: standard ports, LMTP off, subaddressing on', () => {
    const c = parseConfigText('', 'm.toml');
    assert.equal(c.smtp.port, 25);
    assert.equal(c.smtp.enabled, true);
    assert.equal(c.lmtp.enabled, false);
    assert.equal(c.delivery.subaddress_separator, '+');
  });

  it('names the file, line and allowed keys for an unknown key', () => {
    assert.match(errorOf('[smtp]\nport = 25\nprot = 1\n'), /m\.toml:3: unknown key "smtp\.prot"; allowed here: enabled, host, port/);
    assert.match(errorOf('colour = "red"\n'), /m\.toml:1: unknown key "colour"; allowed here: hostname, smtp, lmtp/);
    assert.match(errorOf('[nosuch]\nx = 1\n'), /m\.toml:1: unknown key "nosuch"/);
  });

  it('names the key and what is allowed for a bad value', () => {
    assert.match(errorOf('[log]\nlevel = "loud"\n'), /m\.toml:2: "log\.level": .*"info"/);
    assert.match(errorOf('[smtp]\nport = 70000\n'), /m\.toml:2: "smtp\.port": .*65535/);
    assert.match(errorOf('[smtp]\nport = "25"\n'), /"smtp\.port": .*expected number/);
    assert.match(errorOf('hostname = "not a host"\n'), /m\.toml:1: "hostname": a DNS host name/);
  });

  it('reports TOML syntax errors with line and column', () => {
    assert.match(errorOf('[smtp\nport = 1\n'), /^m\.toml:1:\d+: invalid TOML/);
  });

  it('the example written by `init` parses to the defaults', () => {
    const uncommented = exampleConfig()
      .split('\n')
      .map((l) => (/^# [a-z_]+ = /.test(l) && !l.startsWith('# hostname') ? l.slice(2) : l))
      .join('\n');
    assert.deepEqual(parseConfigText(uncommented, 'x'), parseConfigText('', 'x'));
  });

  it('docs/config.md is generated from the schema and up to date (npm run docs)', async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, '../../docs/config.md'), 'utf8');
    assert.equal(doc, configReference(), 'docs/config.md is stale: run `npm run docs`');
  });
});
