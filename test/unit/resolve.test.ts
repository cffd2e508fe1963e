// Alias resolution over a real SQLite directory in memory.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/sqlite.ts';
import { SqliteDirectory } from '../../src/directory/sqlite-directory.ts';
import { resolveRecipient, type Resolution } from '../../src/directory/resolve.ts';

describe('resolveRecipient', () => {
  const dir = new SqliteDirectory(openDatabase(':memory:'));
  const opts = { subaddressSeparator: '+', maxDepth: 5 };
  const r = (k: string) => resolveRecipient(dir, k, opts);
  const names = (x: Resolution) => (x.kind === 'found' ? x.local.map((l) => `${l.account.address}${l.detail !== null ? '+' + l.detail : ''}`).sort() : x.kind);

  before(async () => {
    await dir.addDomain('a.test');
    await dir.addDomain('b.test');
    for (const u of ['ann', 'bob', 'info', 'sales+eu']) await dir.addAccount({ local: u, domain: 'a.test', passwordHash: 'x', quota: 0 });
    await dir.addAlias('team@a.test', 'ann@a.test');
    await dir.addAlias('team@a.test', 'bob@a.test');
    await dir.addAlias('ann@a.test', 'ann@a.test');
    await dir.addAlias('ann@a.test', 'out@remote.test');
    await dir.addAlias('deep1@a.test', 'deep2@a.test');
    for (let i = 2; i < 9; i++) await dir.addAlias(`deep${i}@a.test`, `deep${i + 1}@a.test`);
    await dir.addAlias('deep9@a.test', 'bob@a.test');
    await dir.addAlias('x@a.test', 'y@a.test');
    await dir.addAlias('y@a.test', 'x@a.test');
    await dir.addAlias('@b.test', 'info@a.test');
    await dir.addAlias('list@a.test', 'team@a.test');
    await dir.addAlias('list@a.test', 'bob@a.test');
  });

  it('foreign domains and unknown users', async () => {
    assert.equal((await r('ann@elsewhere.test')).kind, 'foreign');
    assert.equal((await r('nobody@a.test')).kind, 'unknown');
  });

  it('accounts, with subaddress detail kept', async () => {
    assert.deepEqual(names(await r('bob@a.test')), ['bob@a.test']);
    assert.deepEqual(names(await r('bob+shop@a.test')), ['bob@a.test+shop']);
    assert.deepEqual(names(await r('bob+@a.test')), ['bob@a.test+']);
  });

  it('an exact account wins over the subaddress split', async () => {
    assert.deepEqual(names(await r('sales+eu@a.test')), ['sales+eu@a.test']);
  });

  it('aliases fan out, de-duplicate, and keep external destinations apart', async () => {
    assert.deepEqual(names(await r('list@a.test')), ['ann@a.test', 'bob@a.test']);
    const team = await r('team@a.test');
    assert.equal(team.kind, 'found');
    assert.deepEqual(team.kind === 'found' && team.external, ['out@remote.test']);
  });

  it('self-listing alias keeps a local copy and forwards', async () => {
    const ann = await r('ann@a.test');
    assert.deepEqual(names(ann), ['ann@a.test']);
    assert.deepEqual(ann.kind === 'found' && ann.external, ['out@remote.test']);
  });

  it('loops and too-deep chains are loops', async () => {
    assert.equal((await r('x@a.test')).kind, 'loop');
    assert.equal((await r('deep1@a.test')).kind, 'loop');
  });

  it('catch-all catches unknown local parts of its domain only', async () => {
    assert.deepEqual(names(await r('whatever@b.test')), ['info@a.test']);
  });
});
