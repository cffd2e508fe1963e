/**
 * Processes for a benchmark: finding and running programs, stopping a server by its PID, and
 * what a server process tells about itself (alive, peak RSS, the last lines it wrote).
 */
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The first executable `name` in `dirs`, then in PATH. */
export function findProgram(name: string, dirs: string[]): string | undefined {
  const all = [...dirs, ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  for (const dir of all) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs a command to completion; throws with its output if it fails. */
export function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; what?: string } = {}): string {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    cwd: opts.cwd,
    encoding: 'utf8',
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (r.error) throw new Error(`${opts.what ?? cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    throw new Error(`${opts.what ?? [cmd, ...args].join(' ')} exited with ${r.status ?? r.signal}${out ? `:\n${out}` : ''}`);
  }
  return r.stdout ?? '';
}

/** The uid (`-u`) or gid (`-g`) of a system user, or undefined if there is no such user. */
export function idOf(user: string, flag: '-u' | '-g'): number | undefined {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StopOptions {
  /** Asks the process to stop; by default sends it SIGTERM. */
  request?: () => void;
  /** How long it has to go before SIGKILL. */
  graceMs: number;
  /** If given, a SIGKILL is reported on stderr under this name. */
  what?: string;
}

/**
 * Stops a process by PID: asks it to stop, waits up to `graceMs` for it to go, then kills it
 * with SIGKILL and waits for that (at most 5 s more).
 */
export async function stopPid(pid: number, opts: StopOptions): Promise<void> {
  if (!pidAlive(pid)) return;
  if (opts.request) opts.request();
  else signal(pid, 'SIGTERM');
  const deadline = performance.now() + opts.graceMs;
  while (pidAlive(pid) && performance.now() < deadline) await sleep(50);
  if (!pidAlive(pid)) return;
  if (opts.what !== undefined) {
    const how = opts.request ? `did not stop within ${opts.graceMs / 1000} s` : `ignored SIGTERM for ${opts.graceMs / 1000} s`;
    console.error(`  ${opts.what} (pid ${pid}) ${how}; killing it`);
  }
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(50);
}

/**
 * Waits up to `timeoutMs` for a daemon's PID file and returns the PID in it, or undefined if
 * none appeared in time.
 */
export async function waitForPidFile(pidFile: string, timeoutMs: number): Promise<number | undefined> {
  let pid: number | undefined;
  const started = Date.now();
  while (pid === undefined && Date.now() - started < timeoutMs) {
    try {
      pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      await sleep(50);
    }
  }
  return pid;
}

/** Sends a signal; a process that has already gone is not an error. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Peak resident set (VmHWM) of a process, in KiB, if it can be read. */
export function readPeakRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the last lines a child wrote, so a failure can show them. */
export function tailOf(child: ChildProcess, lines = 40): () => string {
  const kept: string[] = [];
  const add = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      kept.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (kept.length > lines) kept.shift();
    }
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => kept.join('\n');
}

/** The last lines of a log file, for error messages. */
export function tailFile(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}
