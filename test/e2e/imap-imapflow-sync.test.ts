// imapflow with QRESYNC and CONDSTORE (it enables both when offered): a cached client comes
// back and hears only what changed; VANISHED during IDLE; conditional flag changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow, type ExpungeEvent, type FlagsEvent } from 'imapflow';
import { startTestServer, type TestServer } from '../harness/server.ts';

const simple = (subject: string): string => `From: sam@remote.test\r\nTo: zoe@flowsync.test\r\nSubject: ${subject}\r\n\r\nHello.\r\n`;

function client(t: TestServer, qresync: boolean): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: t.imapPort, secure: false, auth: { user: 'zoe@flowsync.test', pass: 'secret' }, logger: false, qresync, tls: { rejectUnauthorized: false } });
}

/** Waits until `check` holds, for at most two seconds. */
async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('imapflow with QRESYNC and CONDSTORE', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('flowsync.test');
    await t.addUser('zoe@flowsync.test');
  });
  after(() => t.stop());

  it('resyncs a cached mailbox with SELECT (QRESYNC ...) and hears VANISHED during IDLE', async () => {
    const a = client(t, true);
    await a.connect();
    assert.ok(a.capabilities.has('QRESYNC') && a.capabilities.has('CONDSTORE') && a.capabilities.has('OBJECTID'));
    assert.ok(a.enabled.has('QRESYNC') && a.enabled.has('CONDSTORE'));
    for (let i = 1; i <= 5; i++) await a.append('INBOX', simple(`m${i}`));
    const box = await a.mailboxOpen('INBOX');
    const cached = { uidValidity: box.uidValidity, modseq: box.highestModseq! };
    assert.equal(typeof cached.modseq, 'bigint');
    await a.logout();

    const b = client(t, false);
    await b.connect();
    await b.mailboxOpen('INBOX');
    await b.messageDelete('2:3', { uid: true });
    await b.messageFlagsAdd('4', ['\\Flagged'], { uid: true });
    await b.logout();

    const c = client(t, true);
    const expunged: ExpungeEvent[] = [];
    const flags: FlagsEvent[] = [];
    c.on('expunge', (e: ExpungeEvent) => expunged.push(e));
    c.on('flags', (e: FlagsEvent) => flags.push(e));
    await c.connect();
    const again = await c.mailboxOpen('INBOX', { changedSince: cached.modseq, uidValidity: cached.uidValidity });
    assert.equal(again.exists, 3);
    assert.ok(again.highestModseq! > cached.modseq);
    assert.deepEqual(expunged.map((e) => [e.uid, e.vanished, e.earlier]), [[2, true, true], [3, true, true]]);
    assert.deepEqual(flags.map((f) => [f.uid, [...f.flags], typeof f.modseq]), [[4, ['\\Flagged'], 'bigint']]);

    // IDLE: another session's expunge arrives as VANISHED (no EARLIER).
    expunged.length = 0;
    const d = client(t, false);
    await d.connect();
    await d.mailboxOpen('INBOX');
    const idling = c.idle();
    await d.messageDelete('5', { uid: true });
    await until(() => expunged.length > 0);
    assert.deepEqual(expunged.map((e) => [e.uid, e.vanished, e.earlier ?? false]), [[5, true, false]]);
    await d.logout();
    await c.logout();
    await idling.catch(() => undefined);
  });

  it('fetches what changed since a MODSEQ and stores flags only where nothing changed since', async () => {
    const c = client(t, false);
    await c.connect();
    const box = await c.mailboxOpen('INBOX');
    const start = box.highestModseq!;
    await c.messageFlagsAdd('1', ['$Seen1'], { uid: true });
    const changed = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: start })) changed.push([m.uid, [...(m.flags ?? [])], typeof m.modseq]);
    assert.deepEqual(changed, [[1, ['$Seen1'], 'bigint']]);
    // UID 4 has not changed since `start`, UID 1 has: only 4 is flagged.
    await c.messageFlagsAdd('1,4', ['$Cond'], { uid: true, unchangedSince: start });
    const now = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true })) now.push([m.uid, [...(m.flags ?? [])].includes('$Cond')]);
    assert.deepEqual(now, [[1, false], [4, true]]);
    const found = await c.search({ modseq: start + 1n }, { uid: true });
    assert.deepEqual(found, [1, 4]);
    await c.logout();
  });
});
