// `mailhaven init`: a commented config file with every setting at its default.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { exampleConfig } from '../../config/describe.ts';
import { dataPaths } from '../../main.ts';
import { globalOptions } from '../context.ts';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented config file with every setting at its default (DATA/mailhaven.toml, or --config FILE)')
    .option('--force', 'overwrite an existing file')
    .action((o: { force?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const file = path.resolve(g.config ?? dataPaths(path.resolve(g.data)).config);
      if (existsSync(file) && !o.force) throw new Error(`${file} exists already (use --force to overwrite)`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, exampleConfig());
      console.log(`wrote ${file}`);
    });
}
