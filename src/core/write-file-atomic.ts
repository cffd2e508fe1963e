// A small file replaced whole: written beside itself and renamed into place, so a reader (or
// another process: the CLI beside a server) never sees half of it. Not synced: for files
// whose loss in a crash costs little or that are written again (key lists, Maildir side files).
import { renameSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}
