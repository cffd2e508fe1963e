// What SORT, THREAD and FETCH PREVIEW need of each message, computed once when the message
// is indexed, so none of them opens a file or parses JSON per message: the RFC 5256 base
// subject and the first addresses as i;unicode-casemap keys (SQL orders them with the BINARY
// collation), the normalised Message-ID and references, and the RFC 8970 preview.
//
// PREVIEW is stored rather than computed on FETCH: delivery already has the decoded body text
// in hand (the full-text index is fed from it), the 256 characters cost little next to the
// envelope JSON of the same row, and a client listing a folder asks for previews of every
// message it shows, which would otherwise read and parse each file again and again.
//
// A table of its own (one row per messages.id) with its own migration stream, so the rest of
// the store's schema evolves without it. Rows from before it existed are filled on first use
// (fillMissing), reading each such message once.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { migrate } from '../../db/sqlite.ts';
import { baseSubject } from '../../mime/base-subject.ts';
import { casemap } from '../../mime/casemap.ts';
import { decodeWords } from '../../mime/charset.ts';
import { messageIds, threadReferences } from '../../mime/msg-id.ts';
import type { ParsedMessage } from '../../mime/parse-message.ts';
import { makePreview } from '../../mime/preview.ts';
import type { ImapAddress } from '../../mime/types.ts';

export const KEYS_MIGRATIONS = [
  `CREATE TABLE message_keys (
     id INTEGER PRIMARY KEY,             -- messages.id
     subject TEXT NOT NULL,              -- base subject, casemapped (RFC 5256 §2.1, §7)
     reply INTEGER NOT NULL,             -- extracting it removed Re:/Fwd:/(fwd)/[fwd: ]
     addr_from TEXT NOT NULL,            -- addr-mailbox of the first address, casemapped
     addr_to TEXT NOT NULL,
     addr_cc TEXT NOT NULL,
     display_from TEXT NOT NULL,         -- RFC 5957 display name (or addr-spec), casemapped
     display_to TEXT NOT NULL,
     msgid TEXT NOT NULL,                -- normalised Message-ID, '' when none
     refs TEXT NOT NULL,                 -- normalised references, space-separated
     preview TEXT NOT NULL);             -- RFC 8970
   CREATE TRIGGER message_keys_gone AFTER DELETE ON messages BEGIN
     DELETE FROM message_keys WHERE id = old.id;
   END;`,
];

export type KeyRow = [
  subject: string, reply: number, from: string, to: string, cc: string,
  displayFrom: string, displayTo: string, msgid: string, refs: string, preview: string,
];

/** The first real address of a list: group markers (host NIL) are skipped. */
function first(list: ImapAddress[] | null): ImapAddress | null {
  for (const a of list ?? []) if (a.host !== null) return a;
  return null;
}

const mailboxKey = (a: ImapAddress | null): string => casemap(a?.mailbox ?? '');

/** RFC 5957 §3: the decoded display name, or the addr-spec when there is none. */
function displayKey(a: ImapAddress | null): string {
  if (a === null) return '';
  const name = a.name === null ? '' : decodeWords(a.name).trim();
  return casemap(name !== '' ? name : `${a.mailbox ?? ''}@${a.host ?? ''}`);
}

export function computeKeys(p: ParsedMessage): KeyRow {
  const env = p.envelope;
  const { base, reply } = baseSubject(p.subject);
  return [
    casemap(base), reply ? 1 : 0,
    mailboxKey(first(env.from)), mailboxKey(first(env.to)), mailboxKey(first(env.cc)),
    displayKey(first(env.from)), displayKey(first(env.to)),
    messageIds(env.messageId)[0] ?? '',
    threadReferences(p.references, env.inReplyTo).join(' '),
    makePreview(p.text),
  ];
}

export class MessageKeys {
  private readonly q: Record<'insert' | 'copy' | 'missing', StatementSync>;
  /** Mailboxes known to have keys for every message: new messages always get theirs. */
  readonly complete = new Set<number>();

  constructor(db: DatabaseSync) {
    migrate(db, 'store-keys', KEYS_MIGRATIONS);
    this.q = {
      insert: db.prepare('INSERT OR REPLACE INTO message_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      copy: db.prepare(
        `INSERT OR REPLACE INTO message_keys
         SELECT ?, subject, reply, addr_from, addr_to, addr_cc, display_from, display_to, msgid, refs, preview
         FROM message_keys WHERE id = ?`,
      ),
      missing: db.prepare(
        `SELECT m.id, m.file, m.data_offset FROM messages m LEFT JOIN message_keys k ON k.id = m.id
         WHERE m.mailbox_id = ? AND k.id IS NULL LIMIT ?`,
      ),
    };
  }

  insert(id: number, parsed: ParsedMessage): void {
    this.q.insert.run(id, ...computeKeys(parsed));
  }

  put(id: number, row: KeyRow): void {
    this.q.insert.run(id, ...row);
  }

  /** A copy of a message (COPY, MOVE) has the same keys. A source without them (indexed
   *  before this table) leaves none, and the target mailbox is filled on its next use. */
  copy(fromId: number, toId: number, toMailboxId: number): void {
    if (Number(this.q.copy.run(toId, fromId).changes) === 0) this.complete.delete(toMailboxId);
  }

  /** Messages of the mailbox without keys yet (indexed before this table existed). */
  missing(mailboxId: number, limit: number): { id: number; file: string; data_offset: number }[] {
    return this.q.missing.all(mailboxId, limit) as { id: number; file: string; data_offset: number }[];
  }
}
