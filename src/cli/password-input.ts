// Passwords never come from the command line (it ends up in shell history and `ps`): they are
// prompted for on the terminal without echo, or read as the first line of stdin.
import { createInterface } from 'node:readline';

export async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
  if (!line) throw new Error('no password on standard input');
  return line;
}

export async function promptPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for a password: use --password-stdin');
  const first = await promptHidden(question);
  const again = await promptHidden('Repeat password: ');
  if (first !== again) throw new Error('the passwords differ');
  if (!first) throw new Error('empty password');
  return first;
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const rlw = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stdout.write(question);
    rlw._writeToOutput = () => undefined;
    rl.question('', (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}
