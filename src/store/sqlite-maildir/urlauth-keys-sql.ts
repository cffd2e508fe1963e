// URLAUTH keys in SQLite: this module owns the urlauth_keys table. A key goes with its mailbox.
import { randomBytes } from 'node:crypto';
import { migrate, type Db } from '../../db/sqlite.ts';
import type { UrlAuthKeys } from '../urlauth-keys.ts';

// Its own migration set, like the metadata table's, so it never collides with STORE_MIGRATIONS.
const URLAUTH_MIGRATIONS = [
  `CREATE TABLE urlauth_keys (
     account_id INTEGER NOT NULL,
     mailbox_id INTEGER NOT NULL,
     key BLOB NOT NULL,
     PRIMARY KEY (account_id, mailbox_id)) WITHOUT ROWID;
   CREATE TRIGGER urlauth_keys_mailbox_gone AFTER DELETE ON mailboxes BEGIN
     DELETE FROM urlauth_keys WHERE account_id = old.account_id AND mailbox_id = old.id;
   END;`,
];

export class UrlAuthKeysSql implements UrlAuthKeys {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    migrate(db, 'store-urlauth', URLAUTH_MIGRATIONS);
  }

  async existingKey(accountId: number, mailboxId: number): Promise<Buffer | null> {
    const row = this.db.prepare('SELECT key FROM urlauth_keys WHERE account_id = ? AND mailbox_id = ?').get(accountId, mailboxId) as { key: Uint8Array } | undefined;
    return row ? Buffer.from(row.key) : null;
  }

  async key(accountId: number, mailboxId: number): Promise<Buffer> {
    // INSERT OR IGNORE: two sessions making the first key at once both end up with the same one.
    this.db.prepare('INSERT OR IGNORE INTO urlauth_keys (account_id, mailbox_id, key) VALUES (?, ?, ?)').run(accountId, mailboxId, randomBytes(32));
    return (await this.existingKey(accountId, mailboxId))!;
  }

  forgetAccount(accountId: number): void {
    this.db.prepare('DELETE FROM urlauth_keys WHERE account_id = ?').run(accountId);
  }

  async reset(accountId: number, mailboxId: number | null): Promise<void> {
    if (mailboxId === null) this.db.prepare('DELETE FROM urlauth_keys WHERE account_id = ?').run(accountId);
    else this.db.prepare('DELETE FROM urlauth_keys WHERE account_id = ? AND mailbox_id = ?').run(accountId, mailboxId);
  }
}
