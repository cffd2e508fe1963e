// External clients the tests drive. Missing tools skip a test on a developer's machine but
// fail it under CI, where .ci/run installs them.
import { execFileSync, spawn } from 'node:child_process';

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** node:test options: skip when the tool is absent, except under CI. */
export function needs(...tools: string[]): { skip?: string } {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return {};
  if (process.env.CI) throw new Error(`CI must install: ${missing.join(', ')}`);
  return { skip: `not installed: ${missing.join(', ')}` };
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
