// The directory on SQLite. Every lookup reads the database, so a change made by the CLI in
// another process is seen at once (prepared statements keep a lookup in microseconds).
import type { Db } from '../db/sqlite.ts';
import { migrate, transaction } from '../db/sqlite.ts';
import { DirectoryError, type Account, type Alias, type Directory } from './directory.ts';

const MIGRATIONS = [
  `CREATE TABLE domains (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
   CREATE TABLE accounts (
     id INTEGER PRIMARY KEY,
     local TEXT NOT NULL,
     domain TEXT NOT NULL REFERENCES domains(name) ON DELETE RESTRICT,
     password_hash TEXT NOT NULL,
     quota INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     UNIQUE (local, domain));
   CREATE TABLE aliases (
     id INTEGER PRIMARY KEY,
     source TEXT NOT NULL,
     domain TEXT NOT NULL REFERENCES domains(name) ON DELETE RESTRICT,
     destination TEXT NOT NULL,
     UNIQUE (source, destination));`,
];

type AccountRow = { id: number; local: string; domain: string; password_hash: string; quota: number; created_at: number };

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  address: `${r.local}@${r.domain}`,
  local: r.local,
  domain: r.domain,
  passwordHash: r.password_hash,
  quota: r.quota,
  createdAt: new Date(r.created_at),
});

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf('@');
  if (at < 0) throw new DirectoryError(`not an address: ${address}`);
  return [address.slice(0, at), address.slice(at + 1)];
}

/**
 * Hosted domains found are remembered this long: every RCPT asks, twice, and a domain is
 * removed only once it has no accounts left, so a removal by another process seen a second
 * late accepts nothing (its addresses are unknown users by then). Domains not found are
 * never remembered: one just added is seen at once.
 */
const DOMAIN_TTL_MS = 1000;

export class SqliteDirectory implements Directory {
  private readonly db: Db;
  private readonly q;
  private readonly domainsSeen = new Map<string, number>();

  constructor(db: Db) {
    this.db = db;
    migrate(db, 'directory', MIGRATIONS);
    this.q = {
      hasDomain: db.prepare('SELECT 1 FROM domains WHERE name = ?'),
      account: db.prepare('SELECT * FROM accounts WHERE local = ? AND domain = ?'),
      accountById: db.prepare('SELECT * FROM accounts WHERE id = ?'),
      aliasTargets: db.prepare('SELECT destination FROM aliases WHERE source = ? ORDER BY id'),
    };
  }

  async addDomain(name: string): Promise<void> {
    if (this.q.hasDomain.get(name) !== undefined) throw new DirectoryError(`domain ${name} exists already`);
    this.db.prepare('INSERT INTO domains (name, created_at) VALUES (?, ?)').run(name, Date.now());
  }

  async removeDomain(name: string): Promise<void> {
    if (!(await this.hasDomain(name))) throw new DirectoryError(`no such domain: ${name}`);
    const users = this.db.prepare('SELECT count(*) AS n FROM accounts WHERE domain = ?').get(name) as { n: number };
    if (users.n > 0) throw new DirectoryError(`domain ${name} still has ${users.n} account(s); remove them first`);
    transaction(this.db, () => {
      this.db.prepare('DELETE FROM aliases WHERE domain = ?').run(name);
      this.db.prepare('DELETE FROM domains WHERE name = ?').run(name);
    });
    this.domainsSeen.delete(name);
  }

  async listDomains(): Promise<string[]> {
    return (this.db.prepare('SELECT name FROM domains ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  async hasDomain(name: string): Promise<boolean> {
    const now = Date.now();
    const seen = this.domainsSeen.get(name);
    if (seen !== undefined && now - seen < DOMAIN_TTL_MS) return true;
    if (this.q.hasDomain.get(name) === undefined) {
      this.domainsSeen.delete(name);
      return false;
    }
    // Bounded by the hosted domains: only names found are kept.
    this.domainsSeen.set(name, now);
    return true;
  }

  async addAccount(a: { local: string; domain: string; passwordHash: string; quota: number }): Promise<Account> {
    if (!(await this.hasDomain(a.domain))) throw new DirectoryError(`no such domain: ${a.domain} (add it with: mailhaven domain add ${a.domain})`);
    if (this.q.account.get(a.local, a.domain)) throw new DirectoryError(`account ${a.local}@${a.domain} exists already`);
    const r = this.db
      .prepare('INSERT INTO accounts (local, domain, password_hash, quota, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *')
      .get(a.local, a.domain, a.passwordHash, a.quota, Date.now()) as AccountRow;
    return toAccount(r);
  }

  async getAccount(address: string): Promise<Account | null> {
    const [local, domain] = splitAddress(address);
    const r = this.q.account.get(local, domain) as AccountRow | undefined;
    return r ? toAccount(r) : null;
  }

  async getAccountById(id: number): Promise<Account | null> {
    const r = this.q.accountById.get(id) as AccountRow | undefined;
    return r ? toAccount(r) : null;
  }

  async listAccounts(domain?: string): Promise<Account[]> {
    const rows = domain
      ? this.db.prepare('SELECT * FROM accounts WHERE domain = ? ORDER BY local').all(domain)
      : this.db.prepare('SELECT * FROM accounts ORDER BY domain, local').all();
    return (rows as AccountRow[]).map(toAccount);
  }

  async setPassword(address: string, passwordHash: string): Promise<void> {
    const [local, domain] = splitAddress(address);
    const r = this.db.prepare('UPDATE accounts SET password_hash = ? WHERE local = ? AND domain = ?').run(passwordHash, local, domain);
    if (r.changes === 0) throw new DirectoryError(`no such account: ${address}`);
  }

  async setQuota(address: string, quota: number): Promise<void> {
    const [local, domain] = splitAddress(address);
    const r = this.db.prepare('UPDATE accounts SET quota = ? WHERE local = ? AND domain = ?').run(quota, local, domain);
    if (r.changes === 0) throw new DirectoryError(`no such account: ${address}`);
  }

  async removeAccount(address: string): Promise<void> {
    const [local, domain] = splitAddress(address);
    const r = this.db.prepare('DELETE FROM accounts WHERE local = ? AND domain = ?').run(local, domain);
    if (r.changes === 0) throw new DirectoryError(`no such account: ${address}`);
  }

  async addAlias(source: string, destination: string): Promise<void> {
    const domain = splitAddress(source)[1];
    if (!(await this.hasDomain(domain))) throw new DirectoryError(`no such domain: ${domain} (aliases are for hosted domains)`);
    const r = this.db.prepare('INSERT OR IGNORE INTO aliases (source, domain, destination) VALUES (?, ?, ?)').run(source, domain, destination);
    if (r.changes === 0) throw new DirectoryError(`alias ${source} → ${destination} exists already`);
  }

  async removeAlias(source: string, destination?: string): Promise<number> {
    const r = destination
      ? this.db.prepare('DELETE FROM aliases WHERE source = ? AND destination = ?').run(source, destination)
      : this.db.prepare('DELETE FROM aliases WHERE source = ?').run(source);
    return Number(r.changes);
  }

  async aliasTargets(source: string): Promise<string[]> {
    return (this.q.aliasTargets.all(source) as { destination: string }[]).map((r) => r.destination);
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    const rows = domain
      ? this.db.prepare('SELECT source, destination FROM aliases WHERE domain = ? ORDER BY source, id').all(domain)
      : this.db.prepare('SELECT source, destination FROM aliases ORDER BY domain, source, id').all();
    return rows as Alias[];
  }
}
