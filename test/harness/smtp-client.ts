// A minimal raw SMTP client for tests that must send exactly the bytes they mean (relay
// tricks, smuggling, pipelining), which real client libraries refuse to produce.
import net from 'node:net';
import tls from 'node:tls';

export type Reply = { code: number; text: string; lines: string[] };

export class RawSmtp {
  private socket: net.Socket | tls.TLSSocket;
  private buffer = '';
  private waiters: ((r: Reply | null) => void)[] = [];
  private replies: (Reply | null)[] = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(s: net.Socket | tls.TLSSocket) {
    s.setEncoding('latin1');
    s.on('data', (d: string) => this.onData(d));
    s.on('close', () => {
      this.closed = true;
      this.push(null);
    });
    s.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<{ client: RawSmtp; greeting: Reply }> {
    const socket = net.connect(port, host);
    await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
    const client = new RawSmtp(socket);
    const greeting = await client.read();
    return { client, greeting };
  }

  private onData(d: string) {
    this.buffer += d;
    let lines: string[] = [];
    for (;;) {
      const i = this.buffer.indexOf('\r\n');
      if (i < 0) break;
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      lines.push(line);
      if (line.length < 4 || line[3] !== '-') {
        this.push({ code: Number(line.slice(0, 3)), text: lines.map((l) => l.slice(4)).join('\n'), lines });
        lines = [];
      }
    }
    if (lines.length) this.buffer = lines.map((l) => l + '\r\n').join('') + this.buffer;
  }

  private push(r: Reply | null) {
    const w = this.waiters.shift();
    if (w) w(r);
    else this.replies.push(r);
  }

  /** The next reply; rejects if the connection closes first or nothing comes within 10 s. */
  read(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready !== undefined) return ready ? Promise.resolve(ready) : Promise.reject(new Error('connection closed'));
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply within 10 s')), 10_000);
      this.waiters.push((r) => {
        clearTimeout(t);
        if (r) resolve(r);
        else reject(new Error('connection closed'));
      });
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async cmd(line: string): Promise<Reply> {
    this.write(line + '\r\n');
    return this.read();
  }

  async startTls(): Promise<void> {
    const r = await this.cmd('STARTTLS');
    if (r.code !== 220) throw new Error(`STARTTLS refused: ${r.code} ${r.text}`);
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket as net.Socket, rejectUnauthorized: false });
    await new Promise<void>((res, rej) => secure.once('secureConnect', res).once('error', rej));
    this.socket = secure;
    this.attach(secure);
  }

  /** Sends a whole transaction; returns every reply in order. `params`: ESMTP parameters of
   *  MAIL and of every RCPT (DSN's RET, ENVID, NOTIFY, ORCPT…), as written after the address. */
  async send(
    from: string,
    to: string[],
    body: string | Buffer,
    params: { mail?: string; rcpt?: string } = {},
  ): Promise<{ mail: Reply; rcpts: Reply[]; data?: Reply; final?: Reply }> {
    const after = (p: string | undefined): string => (p ? ' ' + p : '');
    const mail = await this.cmd(`MAIL FROM:<${from}>${after(params.mail)}`);
    const rcpts: Reply[] = [];
    for (const t of to) rcpts.push(await this.cmd(`RCPT TO:<${t}>${after(params.rcpt)}`));
    if (!rcpts.some((r) => r.code === 250)) return { mail, rcpts };
    const data = await this.cmd('DATA');
    if (data.code !== 354) return { mail, rcpts, data };
    this.write(body);
    this.write(Buffer.from(body).subarray(-2).toString() === '\r\n' ? '.\r\n' : '\r\n.\r\n');
    const final = await this.read();
    return { mail, rcpts, data, final };
  }

  close(): void {
    this.socket.destroy();
  }
}
