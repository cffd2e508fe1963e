// A raw line-protocol client (IMAP, POP3, SMTP) for attack tests: writes exactly the bytes
// given, in one write, and lets the test see everything the server sent, including what it
// should never have sent (answers to injected commands, data after a STARTTLS upgrade).
import net from 'node:net';
import tls from 'node:tls';

export class RawLines {
  private socket: net.Socket | tls.TLSSocket;
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;
  /** Everything received in plaintext that was still unread when TLS started. */
  leftoverBeforeTls = '';

  private constructor(socket: net.Socket | tls.TLSSocket) {
    this.socket = socket;
    this.listen(socket);
  }

  private listen(s: net.Socket | tls.TLSSocket): void {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
    s.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    s.on('error', () => undefined);
  }

  /** Connects; with `implicitTls` the handshake is done first. Reads nothing. */
  static async connect(port: number, opts: { implicitTls?: boolean; host?: string } = {}): Promise<RawLines> {
    const host = opts.host ?? '127.0.0.1';
    const socket = opts.implicitTls ? tls.connect({ port, host, rejectUnauthorized: false }) : net.connect(port, host);
    await new Promise<void>((res, rej) => socket.once(opts.implicitTls ? 'secureConnect' : 'connect', res).once('error', rej));
    return new RawLines(socket);
  }

  /** Everything received up to and including the first match of `re`; throws on close or timeout. */
  async until(re: RegExp, ms = 3000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const upto = m.index + m[0].length;
        const out = this.buf.slice(0, upto);
        this.buf = this.buf.slice(upto);
        return out;
      }
      if (this.closed) throw new Error(`closed waiting for ${re}; have: ${JSON.stringify(this.buf.slice(0, 500))}`);
      if (Date.now() > end) throw new Error(`timeout waiting for ${re}; have: ${JSON.stringify(this.buf.slice(0, 500))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 25);
      });
    }
  }

  /** What arrives within `ms` (the buffer is emptied); for "nothing more must come". */
  async drain(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    const out = this.buf;
    this.buf = '';
    return out;
  }

  /** Resolves true when the server closes the connection within `ms`. */
  async waitClose(ms = 3000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    return this.closed;
  }

  write(s: string | Buffer): void {
    this.socket.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  /** IMAP: sends "tag line" and returns everything up to the tagged reply. */
  async cmd(tag: string, line: string, ms = 3000): Promise<string> {
    this.write(`${tag} ${line}\r\n`);
    return this.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`), ms);
  }

  /** Upgrades to TLS; any plaintext still unread is kept in leftoverBeforeTls, not mixed in. */
  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.leftoverBeforeTls = this.buf;
    this.buf = '';
    const s = tls.connect({ socket: this.socket as net.Socket, rejectUnauthorized: false });
    await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
    this.socket = s;
    this.listen(s);
  }

  close(): void {
    this.socket.destroy();
  }
}
