// Frames one complete IMAP command (accepting its literals) and parses it: the shared entry of
// the parser tests.
import assert from 'node:assert/strict';
import { CommandReader } from '../../src/imap/reader.ts';
import { parseCommand, type ParseOptions } from '../../src/imap/parser.ts';

export function parseLine(text: string | Buffer, options?: ParseOptions): unknown {
  const r = new CommandReader();
  r.feed(Buffer.concat([Buffer.from(text), Buffer.from('\r\n')]));
  for (let e = r.next(); e !== undefined; e = r.next()) {
    if (e.type === 'continue') r.accept();
    else if (e.type === 'command') return parseCommand(e.command, options);
    else assert.fail(`unexpected ${e.type}`);
  }
  return assert.fail('no command');
}
