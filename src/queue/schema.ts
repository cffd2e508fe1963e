// The outbound queue's tables: the queue module owns them and nothing else writes them (the
// `mailhaven queue` CLI goes through QueueStore too). A message row names its file under
// data/queue/; each recipient has its own state, so one 5xx bounces one recipient only.
//
// Recipient states: queued (waiting for next_attempt_at) → inflight (claimed by the runner)
// → delivered | bounced | expired | removed. inflight rows left by a crash go back to queued
// at start-up. The CLI's retry/flush set next_attempt_at to now; the runner polls for due rows.
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
];
