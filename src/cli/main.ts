#!/usr/bin/env node
// The `mailhaven` command.
import './threadpool.ts';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { DirectoryError } from '../directory/directory.ts';
import { registerDirectoryCommands } from './commands/directory-commands.ts';
import { registerDkimCommands } from './commands/dkim-commands.ts';
import { registerInit } from './commands/init.ts';
import { registerQueueCommands } from './commands/queue-commands.ts';
import { registerServe } from './commands/serve.ts';
import { registerSetupCommands } from './commands/setup-commands.ts';
import { registerStoreCommands } from './commands/store-commands.ts';
import { registerTlsCommands } from './commands/tls-commands.ts';

const program = new Command('mailhaven')
  .description('Mailhaven: a complete mail server in one program')
  .option('--config <file>', 'TOML config file (default: DATA/mailhaven.toml when it exists)')
  .option('--data <dir>', 'data directory: database, Maildirs, certificates, logs', './data')
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true })
  .exitOverride();

registerServe(program);
registerInit(program);
registerDirectoryCommands(program);
registerSetupCommands(program);
registerStoreCommands(program);
registerTlsCommands(program);
registerDkimCommands(program);
registerQueueCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof ConfigError) {
    console.error(`mailhaven: ${e.message}`);
    process.exit(78); // EX_CONFIG
  }
  // Expected failures (bad input, a name that exists already) get one line, not a stack.
  console.error(`mailhaven: ${e instanceof DirectoryError || (e instanceof Error && !e.stack?.includes('node:internal')) ? (e as Error).message : String((e as Error).stack ?? e)}`);
  process.exit(1);
}
