// The outbound queue's tables: the queue module owns them and nothing else writes them (the
// `mailhaven queue` CLI goes through QueueStore too). A message row names its file under
// data/queue/; each recipient has its own state, so one 5xx bounces one recipient only.
//
// Recipient states: queued (waiting for next_attempt_at) → inflight (claimed by the runner)
// → delivered | bounced | expired | removed. inflight rows left by a crash go back to queued
// at start-up. The CLI's retry/flush set next_attempt_at to now; the runner polls for due rows.
//
// queue_finished names the messages none of whose recipients is queued or in flight any more,
// so the runner's collection on every poll reads only those (not every message a dead domain
// keeps deferred). Triggers keep it in step in the same statement as the state change, from
// whichever process makes it (the runner, or `mailhaven queue remove`).
export const QUEUE_MIGRATIONS = [
  `CREATE TABLE queue_messages (
     id TEXT PRIMARY KEY,
     sender TEXT NOT NULL,
     ret TEXT,
     envid TEXT,
     size INTEGER NOT NULL,
     file TEXT NOT NULL,
     message_id TEXT NOT NULL DEFAULT '',
     origin TEXT NOT NULL,
     origin_sid TEXT,
     account TEXT,
     created_at INTEGER NOT NULL);
   CREATE TABLE queue_recipients (
     id INTEGER PRIMARY KEY,
     queue_id TEXT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
     address TEXT NOT NULL,
     domain TEXT NOT NULL,
     notify TEXT,
     orcpt TEXT,
     state TEXT NOT NULL DEFAULT 'queued',
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     last_attempt_at INTEGER,
     last_code INTEGER,
     last_reply TEXT,
     last_host TEXT,
     delay_notified INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX queue_recipients_due ON queue_recipients (state, next_attempt_at);
   CREATE INDEX queue_recipients_message ON queue_recipients (queue_id);`,
  `CREATE TABLE queue_finished (
     queue_id TEXT PRIMARY KEY REFERENCES queue_messages(id) ON DELETE CASCADE) WITHOUT ROWID;
   CREATE TRIGGER queue_recipient_final AFTER UPDATE OF state ON queue_recipients
     WHEN new.state NOT IN ('queued','inflight') AND old.state IN ('queued','inflight')
       AND NOT EXISTS (SELECT 1 FROM queue_recipients WHERE queue_id = new.queue_id AND state IN ('queued','inflight'))
   BEGIN
     INSERT OR IGNORE INTO queue_finished (queue_id) VALUES (new.queue_id);
   END;
   -- No code path takes a recipient out of a final state today; if one ever does, its message is live again.
   CREATE TRIGGER queue_recipient_live AFTER UPDATE OF state ON queue_recipients
     WHEN new.state IN ('queued','inflight') AND old.state NOT IN ('queued','inflight')
   BEGIN
     DELETE FROM queue_finished WHERE queue_id = new.queue_id;
   END;
   -- Databases from before this table: what is finished already.
   INSERT INTO queue_finished (queue_id)
     SELECT id FROM queue_messages m
     WHERE NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.queue_id = m.id AND r.state IN ('queued','inflight'));`,
];
