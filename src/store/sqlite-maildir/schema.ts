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
  // 2: flags and MODSEQ move to a narrow table, so STORE 1:* rewrites ~20-byte rows rather
  // than whole message rows (envelope and body JSON). A row per message, same (mailbox_id,
  // uid); the trigger removes it with its message (expunge, mailbox or account deletion).
  // messages.modseq/flags/keywords stay as they were at insert and are never read again (a
  // later step can drop them once nothing outside the store looks at them).
  // recent_uid: the \Recent floor (RFC 3501 §2.3.2), messages with uid >= it are recent for
  // the next session that selects the mailbox; existing mailboxes start with nothing recent.
  `CREATE TABLE message_flags (
     mailbox_id INTEGER NOT NULL,
     uid INTEGER NOT NULL,
     modseq INTEGER NOT NULL,
     flags INTEGER NOT NULL DEFAULT 0,
     keywords TEXT,
     PRIMARY KEY (mailbox_id, uid)) WITHOUT ROWID;
   -- Few messages carry keywords: FETCH FLAGS and SELECT find them without a scan.
   CREATE INDEX message_flags_keywords ON message_flags (mailbox_id, uid) WHERE keywords IS NOT NULL;
   INSERT INTO message_flags (mailbox_id, uid, modseq, flags, keywords) SELECT mailbox_id, uid, modseq, flags, keywords FROM messages;
   CREATE TRIGGER message_flags_gone AFTER DELETE ON messages BEGIN
     DELETE FROM message_flags WHERE mailbox_id = old.mailbox_id AND uid = old.uid;
   END;
   ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 1;
   UPDATE mailboxes SET recent_uid = uidnext;`,
  // 3: ENVELOPE, BODY and BODYSTRUCTURE as IMAP wire text (the non-UTF-8 form of
  // mime/imap-format.ts), written once at delivery, so FETCH neither parses the JSON nor
  // formats. Rows from before stay NULL and are formatted from the JSON.
  `ALTER TABLE messages ADD COLUMN envelope_imap TEXT;
   ALTER TABLE messages ADD COLUMN body_imap TEXT;
   ALTER TABLE messages ADD COLUMN bodystructure_imap TEXT;`,
  // 4: QRESYNC, OBJECTID, SAVEDATE.
  // expunged rows become UID ranges [uid, last_uid], all expunged at or before `modseq`: one
  // row per run of consecutive UIDs an expunge removed, and old neighbouring runs merge
  // (index-writer.ts compactExpunged), so the table stays small without forgetting anything.
  // object_id: the mailbox's MAILBOXID (RFC 8474 §4), kept across RENAME; email_id: the id of
  // the message row this one was copied from (NULL: its own id), so EMAILID survives COPY and
  // MOVE (RFC 8474 §5.1); saved_at: when the message came into this mailbox (RFC 8514; NULL in
  // older rows, read as the internal date).
  `ALTER TABLE expunged ADD COLUMN last_uid INTEGER;
   UPDATE expunged SET last_uid = uid;
   ALTER TABLE mailboxes ADD COLUMN object_id TEXT;
   UPDATE mailboxes SET object_id = 'F' || lower(hex(randomblob(12)));
   CREATE TRIGGER mailboxes_object_id AFTER INSERT ON mailboxes WHEN new.object_id IS NULL BEGIN
     UPDATE mailboxes SET object_id = 'F' || lower(hex(randomblob(12))) WHERE id = new.id;
   END;
   ALTER TABLE messages ADD COLUMN email_id INTEGER;
   ALTER TABLE messages ADD COLUMN saved_at INTEGER;`,
  // 5: what SELECT, STATUS and SEARCH read on a large mailbox, without a pass over every row:
  // the unseen and \Deleted messages (few in a large mailbox: the first unseen and the counts
  // come from these), and the header, date and size columns SEARCH compares, in UID order
  // (SEARCH FROM on 100,000 messages read every wide message row, ~270 MB of pages).
  `CREATE INDEX message_flags_unseen ON message_flags (mailbox_id, uid) WHERE (flags & 1) = 0;
   CREATE INDEX message_flags_deleted ON message_flags (mailbox_id, uid) WHERE (flags & 8) != 0;
   CREATE INDEX messages_search ON messages (mailbox_id, uid, addr_from, addr_to, addr_cc, addr_bcc, subject, internal_date, sent_date, size);`,
  // 6: SENTBEFORE/SENTON/SENTSINCE compare the day written in the Date: header, "disregarding
  // time and timezone" (RFC 9051 §6.4.4): its wall-clock time read as UTC (mime/date.ts
  // localDateMs), filled in for existing rows from the header kept in the envelope JSON (the
  // function mh_sent_local, which db/sqlite.ts gives every connection), and in SEARCH's
  // covering index.
  `ALTER TABLE messages ADD COLUMN sent_local INTEGER;
   UPDATE messages SET sent_local = mh_sent_local(json_extract(envelope, '$.date'));
   DROP INDEX messages_search;
   CREATE INDEX messages_search ON messages (mailbox_id, uid, addr_from, addr_to, addr_cc, addr_bcc, subject, internal_date, sent_date, sent_local, size);`,
  // 7: subscriptions are names, not mailboxes (RFC 9051 §6.3.7: the server "MUST NOT
  // unilaterally remove an existing mailbox name from the subscription list even if a mailbox
  // by that name no longer exists"): DELETE and RENAME leave them. mailboxes.subscribed is no
  // longer read; a mailbox's flag is whether its name is in this list.
  `CREATE TABLE subscriptions (account_id INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (account_id, name)) WITHOUT ROWID;
   INSERT INTO subscriptions (account_id, name) SELECT account_id, name FROM mailboxes WHERE subscribed = 1;`,
];

/** System flags as bits, so STORE on many messages is one UPDATE. RFC 9051 §2.3.2. */
export const FLAG_BITS = {
  '\\Seen': 1,
  '\\Answered': 2,
  '\\Flagged': 4,
  '\\Deleted': 8,
  '\\Draft': 16,
} as const;
