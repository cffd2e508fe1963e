// COMPRESS=DEFLATE (RFC 4978) on the wire: a raw client that inflates and deflates itself,
// over plain TCP, after STARTTLS and on implicit TLS; imapflow (which compresses on its own
// when the server offers it); and deflate bombs that must end in BAD/BYE, not in memory.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startTestServer, type TestServer } from '../harness/server.ts';

/** A client that talks plain first, then raw DEFLATE both ways after COMPRESS. */
class Wire {
  private socket: net.Socket;
  private buf = '';
  private inflate: zlib.InflateRaw | null = null;
  private deflate: zlib.DeflateRaw | null = null;
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.listen(socket);
  }

  static async open(port: number, secure = false): Promise<Wire> {
    const socket = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    await new Promise<void>((res, rej) => socket.once(secure ? 'secureConnect' : 'connect', () => res()).once('error', rej));
    const w = new Wire(socket);
    await w.until(/\r\n/);
    return w;
  }

  private listen(s: net.Socket): void {
    s.on('data', (d: Buffer) => this.received(d));
    s.on('close', () => (this.closed = true));
    s.on('error', () => undefined);
  }

  private received(d: Buffer): void {
    if (this.inflate) this.inflate.write(d);
    else this.buf += d.toString('latin1');
  }

  async until(re: RegExp, ms = 5000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const out = this.buf.slice(0, m.index + m[0].length);
        this.buf = this.buf.slice(m.index + m[0].length);
        return out;
      }
      if (Date.now() > end || (this.closed && !this.inflate)) throw new Error(`timeout waiting for ${re}; have ${JSON.stringify(this.buf.slice(0, 300))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  send(data: string | Buffer): void {
    if (this.deflate) {
      this.deflate.write(data);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
    } else this.socket.write(data);
  }

  async cmd(tag: string, line: string): Promise<string> {
    this.send(`${tag} ${line}\r\n`);
    return this.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`));
  }

  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    const s = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
    this.socket = s;
    this.listen(s);
  }

  /** COMPRESS DEFLATE; `behind` is sent in the same packet as the command, already deflated. */
  async compress(tag: string, behind?: string): Promise<string> {
    const inflate = zlib.createInflateRaw();
    inflate.on('data', (d: Buffer) => (this.buf += d.toString('latin1')));
    inflate.on('error', () => undefined);
    const deflate = zlib.createDeflateRaw();
    this.deflate = deflate;
    const head = Buffer.from(`${tag} COMPRESS DEFLATE\r\n`);
    if (behind !== undefined) {
      // The client's one deflater starts with `behind`, sent in the COMPRESS packet.
      deflate.write(behind);
      await new Promise<void>((r) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
      const first = deflate.read() as Buffer | null;
      assert.ok(first !== null);
      this.socket.write(Buffer.concat([head, first]));
    } else {
      this.socket.write(head);
    }
    const ok = await this.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`));
    // Whatever followed the OK is compressed.
    const rest = Buffer.from(this.buf, 'latin1');
    this.buf = '';
    this.inflate = inflate;
    if (rest.length > 0) inflate.write(rest);
    deflate.on('data', (d: Buffer) => this.socket.write(d));
    return ok;
  }

  /** Compressed bytes straight to the socket, bypassing the client's own deflater. */
  rawWrite(b: Buffer): boolean {
    return this.socket.write(b);
  }

  waitClosed(ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve();
      const timer = setTimeout(() => reject(new Error('connection stayed open')), ms);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get text(): string {
    return this.buf;
  }

  close(): void {
    this.socket.destroy();
  }
}

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
