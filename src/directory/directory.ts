// The directory: which domains we host, which accounts and aliases exist, and their
// passwords and quotas. Async and free of SQL types so a PostgreSQL backend can implement it.

export type Account = {
  id: number;
  /** Canonical address: lower-case local part @ A-label domain. */
  address: string;
  local: string;
  domain: string;
  passwordHash: string;
  /** Bytes; 0 = unlimited. */
  quota: number;
  createdAt: Date;
};

export type Alias = {
  /** "local@domain", or "@domain" for a catch-all. */
  source: string;
  destination: string;
};

export interface Directory {
  addDomain(name: string): Promise<void>;
  removeDomain(name: string): Promise<void>;
  listDomains(): Promise<string[]>;
  hasDomain(name: string): Promise<boolean>;

  addAccount(a: { local: string; domain: string; passwordHash: string; quota: number }): Promise<Account>;
  getAccount(address: string): Promise<Account | null>;
  getAccountById(id: number): Promise<Account | null>;
  listAccounts(domain?: string): Promise<Account[]>;
  setPassword(address: string, passwordHash: string): Promise<void>;
  setQuota(address: string, quota: number): Promise<void>;
  removeAccount(address: string): Promise<void>;

  addAlias(source: string, destination: string): Promise<void>;
  removeAlias(source: string, destination?: string): Promise<number>;
  /** Destinations of one alias source ("local@domain" or "@domain"), in insertion order. */
  aliasTargets(source: string): Promise<string[]>;
  listAliases(domain?: string): Promise<Alias[]>;
}

export class DirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryError';
  }
}
