/**
 * The load: Postfix's smtp-source(1), finding it and running it against a port.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { findProgram } from './proc.ts';

/** SMTP_SOURCE if set (and present), else smtp-source in Postfix's usual places or PATH. */
export function findSmtpSource(): string | undefined {
  const override = process.env.SMTP_SOURCE;
  if (override) return fs.existsSync(override) ? override : undefined;
  return findProgram('smtp-source', ['/usr/sbin', '/usr/lib/postfix', '/usr/libexec/postfix', '/usr/local/sbin']);
}

export interface Load {
  /** SMTP sessions in parallel (smtp-source -s). */
  sessions: number;
  /** Messages in all (smtp-source -m). */
  messages: number;
  /** Body bytes per message (smtp-source -l). */
  size: number;
  /** Several messages per connection (smtp-source -d) instead of one each. */
  reuse: boolean;
  sender: string;
  recipient: string;
  helo: string;
}

/**
 * Runs smtp-source to completion against 127.0.0.1:`port`; kills it (by pid) if it is still
 * running at `deadline` (a performance.now() time). `timeoutMs` is only for the message.
 */
export function smtpSource(bin: string, load: Load, port: number, cwd: string, deadline: number, timeoutMs: number): Promise<void> {
  const args = ['-s', String(load.sessions), '-m', String(load.messages), '-l', String(load.size), '-f', load.sender, '-t', load.recipient, '-M', load.helo];
  if (load.reuse) args.push('-d');
  args.push(`127.0.0.1:${port}`);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      err += `\n(still running after ${timeoutMs / 1000} s: killed)`;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    }, Math.max(0, deadline - performance.now()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`smtp-source ${args.join(' ')} ${signal ? `was killed by ${signal}` : `exited with ${code}`}: ${err.trim()}`));
    });
  });
}
