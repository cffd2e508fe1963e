// What the IMAP operations of the SQLite + Maildir store share with SqliteMaildirStore.
import type { Logger } from '../../core/logger.ts';
import type { GroupCommit } from '../../db/group-commit.ts';
import type { Db } from '../../db/sqlite.ts';
import type { ChangeBus } from '../store.ts';
import type { DurableFiles } from './durable-fs.ts';
import type { ImapSql } from './imap-sql.ts';
import type { FlagNames } from './maildir-names.ts';
import type { IndexWriter } from './index-writer.ts';
import type { SearchIndex } from './search-index.ts';
import type { SqlReader } from './sql-reader.ts';

export type StoreContext = {
  db: Db;
  index: IndexWriter;
  sql: ImapSql;
  mailRoot: string;
  /** Durable file writes (the file writer thread in the server). */
  files: DurableFiles;
  commits: GroupCommit;
  bus: ChangeBus;
  search: () => SearchIndex;
  /** Searches SQL decides alone run on this connection, off the main thread. */
  reader: SqlReader;
  log: Logger;
  /** Renames files to carry their flags after a change (maildir-names.ts). */
  names: FlagNames;
};
