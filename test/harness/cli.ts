// Runs the real `mailhaven` command as a child process, as an administrator would.
import path from 'node:path';
import { run } from './tools.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'src/cli/main.ts');

export type CliResult = { code: number; stdout: string; stderr: string };

export function runCli(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return run(process.execPath, [CLI, ...args], opts);
}
