// A raw IMAP client for wire-level tests: plain, STARTTLS or implicit TLS, and raw DEFLATE
// both ways after COMPRESS (RFC 4978), so tests see exactly the bytes the server sends.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';

/** A client that talks plain first, then raw DEFLATE both ways after COMPRESS. */
export class Wire {
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

  /** Everything received so far and not yet consumed by until(); clears it. */
  take(): string {
    const out = this.buf;
    this.buf = '';
    return out;
  }

  get text(): string {
    return this.buf;
  }

  close(): void {
    this.socket.destroy();
  }
}
