// METADATA entries (RFC 5464) in SQLite: this module owns the metadata table. Mailbox entries
// go with their mailbox (trigger); rename keeps the mailbox id, so they follow it (§4.1).
import { migrate, transaction, type Db } from '../../db/sqlite.ts';
import type { ChangeBus } from '../store.ts';
import { METADATA_LIMITS, MetadataError, type MetadataDepth, type MetadataEntry, type MetadataStore, type MetadataTarget } from '../metadata.ts';

// A migration set of its own ("store-metadata"), run after the store's, so its steps never
// collide with the numbering of STORE_MIGRATIONS.
const METADATA_MIGRATIONS = [
  `CREATE TABLE metadata (
     account_id INTEGER NOT NULL,
     mailbox_id INTEGER NOT NULL, -- 0: server entries of the account
     name TEXT NOT NULL,
     value BLOB NOT NULL,
     PRIMARY KEY (account_id, mailbox_id, name)) WITHOUT ROWID;
   CREATE TRIGGER metadata_mailbox_gone AFTER DELETE ON mailboxes BEGIN
     DELETE FROM metadata WHERE account_id = old.account_id AND mailbox_id = old.id;
   END;`,
];

type Row = { name: string; value: Uint8Array };

export class MetadataSql implements MetadataStore {
  private readonly db: Db;
  private readonly bus: ChangeBus;

  constructor(db: Db, bus: ChangeBus) {
    this.db = db;
    this.bus = bus;
    migrate(db, 'store-metadata', METADATA_MIGRATIONS);
  }

  async getMetadata(target: MetadataTarget, names: readonly string[], depth: MetadataDepth): Promise<MetadataEntry[]> {
    const { accountId } = target;
    const mailboxId = target.mailboxId ?? 0;
    const exact = this.db.prepare('SELECT name, value FROM metadata WHERE account_id = ? AND mailbox_id = ? AND name = ?');
    // Everything below "/a/b": names in ["/a/b/", "/a/b0") ("0" follows "/" in ASCII).
    const below = this.db.prepare('SELECT name, value FROM metadata WHERE account_id = ? AND mailbox_id = ? AND name > ? AND name < ? ORDER BY name');
    const found = new Map<string, Buffer>();
    for (const name of names) {
      const row = exact.get(accountId, mailboxId, name) as Row | undefined;
      if (row) found.set(row.name, Buffer.from(row.value));
      if (depth === 0) continue;
      const levels = name.split('/').length;
      for (const r of below.all(accountId, mailboxId, name + '/', name + '0') as Row[]) {
        if (depth === 1 && r.name.split('/').length !== levels + 1) continue;
        found.set(r.name, Buffer.from(r.value));
      }
    }
    return [...found].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value }));
  }

  async setMetadata(target: MetadataTarget, entries: readonly { readonly name: string; readonly value: Buffer | null }[]): Promise<void> {
    const L = METADATA_LIMITS;
    const big = entries.find((e) => e.value !== null && e.value.length > L.maxValueBytes);
    if (big) throw new MetadataError(`METADATA MAXSIZE ${L.maxValueBytes}`, `Value of ${big.name} is too large`);
    const { accountId } = target;
    const mailboxId = target.mailboxId ?? 0;
    const upsert = this.db.prepare(
      'INSERT INTO metadata (account_id, mailbox_id, name, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
    );
    const remove = this.db.prepare('DELETE FROM metadata WHERE account_id = ? AND mailbox_id = ? AND name = ?');
    transaction(this.db, () => {
      for (const e of entries) {
        if (e.value === null) remove.run(accountId, mailboxId, e.name);
        else upsert.run(accountId, mailboxId, e.name, e.value);
      }
      // RFC 5464 §4.3: when one entry cannot be set, none is: the checks roll everything back.
      const { n } = this.db.prepare('SELECT count(*) AS n FROM metadata WHERE account_id = ? AND mailbox_id = ?').get(accountId, mailboxId) as { n: number };
      if (n > L.maxEntries) throw new MetadataError('METADATA TOOMANY', `At most ${L.maxEntries} entries`);
      const { bytes } = this.db.prepare('SELECT coalesce(sum(length(value)), 0) AS bytes FROM metadata WHERE account_id = ?').get(accountId) as { bytes: number };
      if (bytes > L.maxAccountBytes) throw new MetadataError('METADATA TOOMANY', 'Annotations of this account are too large together');
    });
    this.bus.publish({ kind: 'metadata', accountId, mailboxId: target.mailboxId, entries: entries.map((e) => e.name) });
  }

  /** Server entries of a deleted account (its mailboxes' entries went with them). */
  forgetAccount(accountId: number): void {
    this.db.prepare('DELETE FROM metadata WHERE account_id = ?').run(accountId);
  }
}
