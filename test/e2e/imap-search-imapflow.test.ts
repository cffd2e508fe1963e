// imapflow against the search extensions it speaks: WITHIN (it turns `since`/`before` into
// YOUNGER/OLDER when the server offers it), ESEARCH RETURN options with PARTIAL (RFC 9394),
// and SEARCHRES: RETURN (SAVE), then a FETCH of "$".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startTestServer, type TestServer } from '../harness/server.ts';

const message = (subject: string): string => `From: sam@remote.test\r\nTo: ivy@flow.test\r\nSubject: ${subject}\r\n\r\nBody.\r\n`;

describe('search extensions with imapflow', () => {
  let t: TestServer;
  const sent: string[] = [];
  let c: ImapFlow;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('flow.test');
    await t.addUser('ivy@flow.test');
    const log = (o: { src?: string; msg?: string }): void => {
      if (o.src === 'c' && typeof o.msg === 'string') sent.push(o.msg);
    };
    c = new ImapFlow({
      host: '127.0.0.1', port: t.imapPort, secure: false, auth: { user: 'ivy@flow.test', pass: 'secret' },
      logger: { debug: log, info: log, warn: log, error: log }, tls: { rejectUnauthorized: false },
    });
    await c.connect();
    // uid 1, 2: years old; uid 3-5: now
    await c.append('INBOX', message('old one'), [], new Date('2020-01-01T00:00:00Z'));
    await c.append('INBOX', message('old two'), [], new Date('2020-06-01T00:00:00Z'));
    for (const s of ['new one', 'new two', 'new three']) await c.append('INBOX', message(s), ['\\Flagged']);
    await c.mailboxOpen('INBOX');
  });
  after(async () => {
    await c.logout();
    await t.stop();
  });

  it('searches since/before with WITHIN', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    assert.deepEqual(await c.search({ since: hourAgo }, { uid: true }), [3, 4, 5]);
    assert.deepEqual(await c.search({ before: hourAgo }, { uid: true }), [1, 2]);
    assert.ok(sent.some((l) => / YOUNGER \d+/.test(l)) && sent.some((l) => / OLDER \d+/.test(l)), sent.join('\n'));
  });

  it('pages with PARTIAL and counts with ESEARCH', async () => {
    const r = (await c.search({ all: true }, { uid: true, returnOptions: ['MIN', 'MAX', 'COUNT', { partial: '-1:-2' }] })) as unknown as Record<string, unknown>;
    assert.deepEqual(r, { min: 1, max: 5, count: 5, partial: { range: '-1:-2', messages: '4:5' } });
  });

  it('saves a result and fetches "$"', async () => {
    // imapflow passes any RETURN option through; its types only list the ESEARCH ones.
    await c.search({ flagged: true }, { returnOptions: ['SAVE'] } as unknown as { returnOptions: ['MIN'] });
    const uids: number[] = [];
    for await (const m of c.fetch('$', { uid: true, flags: true })) uids.push(m.uid);
    assert.deepEqual(uids, [3, 4, 5]);
  });
});
