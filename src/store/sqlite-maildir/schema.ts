// The mailbox index: the store module owns these tables and nothing else writes them.
// Message ids never repeat (AUTOINCREMENT): the full-text index in search.db is keyed by them.
export const STORE_MIGRATIONS = [
  `CREATE TABLE mailboxes (
     id INTEGER PRIMARY KEY,
     account_id INTEGER NOT NULL,
     name TEXT NOT NULL,
     dir TEXT NOT NULL,
     special_use TEXT,
     uidvalidity INTEGER NOT NULL,
     uidnext INTEGER NOT NULL DEFAULT 1,
     highestmodseq INTEGER NOT NULL DEFAULT 1,
     message_count INTEGER NOT NULL DEFAULT 0,
     total_size INTEGER NOT NULL DEFAULT 0,
     subscribed INTEGER NOT NULL DEFAULT 1,
     UNIQUE (account_id, name));
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
     uid INTEGER NOT NULL,
     modseq INTEGER NOT NULL,
     flags INTEGER NOT NULL DEFAULT 0,
     keywords TEXT,
     internal_date INTEGER NOT NULL,
     size INTEGER NOT NULL,
     file TEXT NOT NULL,
     data_offset INTEGER NOT NULL DEFAULT 0,
     envelope TEXT NOT NULL,
     body TEXT NOT NULL,
     sent_date INTEGER,
     subject TEXT NOT NULL DEFAULT '',
     addr_from TEXT NOT NULL DEFAULT '',
     addr_to TEXT NOT NULL DEFAULT '',
     addr_cc TEXT NOT NULL DEFAULT '',
     addr_bcc TEXT NOT NULL DEFAULT '',
     message_id TEXT NOT NULL DEFAULT '',
     UNIQUE (mailbox_id, uid));
   CREATE INDEX messages_file ON messages (mailbox_id, file);
   CREATE TABLE expunged (mailbox_id INTEGER NOT NULL, uid INTEGER NOT NULL, modseq INTEGER NOT NULL, PRIMARY KEY (mailbox_id, uid)) WITHOUT ROWID;`,
];

/** System flags as bits, so STORE on many messages is one UPDATE. RFC 9051 §2.3.2. */
export const FLAG_BITS = {
  '\\Seen': 1,
  '\\Answered': 2,
  '\\Flagged': 4,
  '\\Deleted': 8,
  '\\Draft': 16,
} as const;
