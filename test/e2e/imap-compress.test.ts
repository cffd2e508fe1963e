// COMPRESS=DEFLATE (RFC 4978) on the wire: a raw client that inflates and deflates itself,
// over plain TCP, after STARTTLS and on implicit TLS; imapflow (which compresses on its own
// when the server offers it); and deflate bombs that must end in BAD/BYE, not in memory.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { Wire } from '../harness/imap-wire.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

const MSG = 'From: a@z.test\r\nTo: cid@zip.test\r\nSubject: squeezed\r\n\r\n' + 'la la la, '.repeat(200) + '\r\n';

describe('IMAP COMPRESS=DEFLATE', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.addDomain('zip.test');
    await t.addUser('cid@zip.test');
  });
  after(() => t.stop());

  it('advertises COMPRESS=DEFLATE after login only, and compresses both ways', async () => {
    const w = await Wire.open(t.imapPort);
    assert.doesNotMatch(await w.cmd('a', 'CAPABILITY'), /COMPRESS/);
    assert.match(await w.cmd('b', 'LOGIN cid@zip.test secret'), /COMPRESS=DEFLATE/);
    assert.match(await w.compress('c'), /^c OK/m);
    assert.match(await w.cmd('d', 'NOOP'), /^d OK/m);
    w.send(`e APPEND INBOX {${MSG.length}}\r\n`);
    await w.until(/^\+ .*\r\n/m);
    w.send(MSG + '\r\n');
    assert.match(await w.until(/(^|\n)e (OK|NO|BAD)[^\r]*\r\n/), /e OK \[APPENDUID \d+ \d+\]/);
    await w.cmd('f', 'SELECT INBOX');
    const fetched = await w.cmd('g', 'FETCH 1 BODY[]');
    assert.ok(fetched.includes('la la la, la la la'));
    assert.match(await w.cmd('h', 'COMPRESS DEFLATE'), /^h BAD \[COMPRESSIONACTIVE\]/m);
    assert.match(await w.cmd('i', 'LOGOUT'), /\* BYE[\s\S]*i OK/);
    await w.waitClosed();
  });

  it('takes commands pipelined behind COMPRESS as compressed data', async () => {
    const w = await Wire.open(t.imapPort);
    await w.cmd('a', 'LOGIN cid@zip.test secret');
    await w.compress('b', 'c NOOP\r\n');
    assert.match(await w.until(/(^|\n)c OK[^\r]*\r\n/), /c OK/);
    w.close();
  });

  it('keeps DEFLATE through UNAUTHENTICATE, and then refuses STARTTLS under it', async () => {
    const w = await Wire.open(t.imapPort);
    await w.cmd('a', 'LOGIN cid@zip.test secret');
    await w.compress('b');
    assert.match(await w.cmd('c', 'UNAUTHENTICATE'), /c OK/);
    assert.match(await w.cmd('d', 'STARTTLS'), /d BAD/);
    assert.match(await w.cmd('e', 'LOGIN cid@zip.test secret'), /e OK/);
    assert.match(await w.cmd('f', 'COMPRESS DEFLATE'), /f BAD \[COMPRESSIONACTIVE\]/);
    w.close();
  });

  it('refuses COMPRESS before login and an unknown algorithm', async () => {
    const w = await Wire.open(t.imapPort);
    assert.match(await w.cmd('a', 'COMPRESS DEFLATE'), /^a BAD/m);
    await w.cmd('b', 'LOGIN cid@zip.test secret');
    assert.match(await w.cmd('c', 'COMPRESS GZIP'), /^c BAD/m);
    assert.match(await w.cmd('d', 'NOOP'), /^d OK/m);
    w.close();
  });

  it('works after STARTTLS and on implicit TLS', async () => {
    const w = await Wire.open(t.imapPort);
    await w.cmd('a', 'STARTTLS');
    await w.startTls();
    await w.cmd('b', 'LOGIN cid@zip.test secret');
    await w.compress('c');
    assert.match(await w.cmd('d', 'LIST "" "*"'), /\* LIST .* INBOX\r\n[\s\S]*d OK/);
    w.close();

    const s = await Wire.open(t.imapsPort, true);
    await s.cmd('a', 'LOGIN cid@zip.test secret');
    await s.compress('b');
    assert.match(await s.cmd('c', 'STATUS INBOX (MESSAGES)'), /\* STATUS INBOX \(MESSAGES \d+\)/);
    s.close();
  });

  it('imapflow negotiates compression by itself and works through it', async () => {
    for (const secure of [false, true]) {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: secure ? t.imapsPort : t.imapPort,
        secure,
        auth: { user: 'cid@zip.test', pass: 'secret' },
        logger: false,
        tls: { rejectUnauthorized: false },
      });
      await c.connect();
      assert.ok((c as unknown as { _deflate?: object })._deflate, 'compression is on');
      await c.append('INBOX', MSG);
      const lock = await c.getMailboxLock('INBOX');
      try {
        const msg = await c.fetchOne('*', { source: true, envelope: true });
        assert.ok(msg && msg.envelope?.subject === 'squeezed');
        assert.ok(msg.source?.toString().includes('la la la'));
      } finally {
        lock.release();
      }
      await c.logout();
    }
  });

  it('answers a command over the limits with a tagged BAD or NO, as without compression', async () => {
    const w = await Wire.open(t.imapPort);
    await w.cmd('a', 'LOGIN cid@zip.test secret');
    await w.compress('b');
    // A line over the 64 KiB command limit, and an over-limit literal sent anyway (LITERAL+).
    w.send(`c NOOP ${'x'.repeat(200 * 1024)}\r\n`);
    await w.until(/c BAD [^\r]*\r\n/);
    w.send(`d SELECT {${2 * 1024 * 1024}+}\r\n${'y'.repeat(2 * 1024 * 1024)}\r\n`);
    await w.until(/d (BAD|NO) [^\r]*\r\n/);
    assert.match(await w.cmd('e', 'NOOP'), /e OK/);
    assert.equal(w.closed, false);
  });

  it('a deflate bomb of one endless line ends in BYE, not in memory', async () => {
    const w = await Wire.open(t.imapPort);
    await w.cmd('a', 'LOGIN cid@zip.test secret');
    await w.compress('b');
    const before = process.memoryUsage();
    // 256 MB of "A" without a line end deflate to about 250 KB.
    const bomb = zlib.createDeflateRaw({ level: 9 });
    bomb.on('data', (d: Buffer) => w.rawWrite(d));
    const block = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 256 && !w.closed; i++) {
      if (!bomb.write(block)) await new Promise((r) => bomb.once('drain', r));
    }
    bomb.flush(zlib.constants.Z_SYNC_FLUSH);
    await w.until(/\* BYE [^\r]*\r\n/);
    await w.waitClosed();
    const grown = process.memoryUsage().arrayBuffers - before.arrayBuffers;
    assert.ok(grown < 64 * 1024 * 1024, `arrayBuffers grew by ${grown}`);
    bomb.destroy();
  });

  it('a huge announced literal inside compressed data ends the connection', async () => {
    const w = await Wire.open(t.imapPort);
    await w.cmd('a', 'LOGIN cid@zip.test secret');
    await w.compress('b');
    w.send('c SELECT {9999999999+}\r\n' + 'x'.repeat(1000));
    await w.until(/c BAD \[TOOBIG\][^\r]*\r\n\* BYE [^\r]*\r\n/);
    await w.waitClosed();
  });

  it('garbage that is not DEFLATE ends the connection', async () => {
    const w = await Wire.open(t.imapPort);
    await w.cmd('a', 'LOGIN cid@zip.test secret');
    await w.compress('b');
    w.rawWrite(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await w.until(/\* BYE Invalid compressed data\r\n/);
    await w.waitClosed();
  });
});
