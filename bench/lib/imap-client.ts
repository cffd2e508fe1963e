/**
 * A minimal IMAP client for benchmarks: a raw socket, tagged commands one at a time or (with
 * LITERAL+) pipelined, literals in both directions, IDLE. It does no more parsing than
 * splitting the server's bytes into responses, so its own cost stays far below what it measures.
 */
import net from 'node:net';

/** The answer to one command: its tagged status line and the untagged responses before it. */
export interface Reply {
  /** OK, NO or BAD. */
  status: string;
  /** The tagged line without the tag. */
  text: string;
  /** Each untagged response as latin1 text, literals inline (after their `{n}\r\n`). */
  untagged: string[];
  /** Milliseconds from writing the command to its tagged line. */
  ms: number;
}

interface Pending {
  tag: string;
  untagged: string[];
  t0: number;
  resolve: (r: Reply) => void;
  reject: (err: Error) => void;
}

const CRLF = Buffer.from('\r\n');

export class ImapError extends Error {}

export class ImapClient {
  readonly #sock: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  /** The response being assembled (its lines and literals so far). */
  #current: string[] = [];
  /** Bytes of a literal still to read; -1 outside a literal. */
  #literal = -1;
  /** Commands sent and not yet answered, oldest first: tagged answers must come in this order. */
  #pending: Pending[] = [];
  #continuation: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  #greeting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  #tagSeq = 0;
  #closed: Error | undefined;
  capabilities = new Set<string>();
  /** Untagged responses that arrived with no command running (IDLE pushes, say). */
  unsolicited = 0;

  private constructor(sock: net.Socket) {
    this.#sock = sock;
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => this.#onData(chunk));
    const fail = (err: Error): void => {
      this.#closed ??= err;
      for (const p of this.#pending) p.reject(err);
      this.#pending = [];
      this.#continuation?.reject(err);
      this.#continuation = undefined;
      this.#greeting?.reject(err);
      this.#greeting = undefined;
    };
    sock.on('error', (err) => fail(err));
    sock.on('close', () => fail(new ImapError('connection closed')));
  }

  /** Connects and reads the greeting. */
  static async connect(port: number, host = '127.0.0.1', timeoutMs = 30_000): Promise<ImapClient> {
    const sock = net.connect({ host, port });
    const client = new ImapClient(sock);
    const timer = setTimeout(() => sock.destroy(new ImapError(`no greeting from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    try {
      const greeting = await new Promise<string>((resolve, reject) => {
        client.#greeting = { resolve, reject };
      });
      if (!/^\* (OK|PREAUTH)/i.test(greeting)) throw new ImapError(`greeting: ${greeting}`);
      const caps = /\[CAPABILITY ([^\]]*)\]/i.exec(greeting);
      if (caps) client.#setCapabilities(caps[1]);
      return client;
    } catch (err) {
      sock.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Connects, logs in and refreshes the capabilities. */
  static async login(port: number, user: string, password: string): Promise<ImapClient> {
    const c = await ImapClient.connect(port);
    try {
      await c.ok(`LOGIN ${quote(user)} ${quote(password)}`);
      if (!c.capabilities.has('LITERAL+') || !c.capabilities.has('IDLE')) {
        const r = await c.ok('CAPABILITY');
        const line = r.untagged.find((u) => /^\* CAPABILITY /i.test(u));
        if (line) c.#setCapabilities(line.slice('* CAPABILITY '.length));
      }
      return c;
    } catch (err) {
      c.destroy();
      throw err;
    }
  }

  #setCapabilities(list: string): void {
    this.capabilities = new Set(list.trim().toUpperCase().split(/\s+/));
  }

  #onData(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    let pos = 0;
    const buf = this.#buf;
    while (true) {
      if (this.#literal >= 0) {
        if (buf.length - pos < this.#literal) break;
        this.#current.push(buf.toString('latin1', pos, pos + this.#literal));
        pos += this.#literal;
        this.#literal = -1;
        continue;
      }
      const eol = buf.indexOf(CRLF, pos);
      if (eol < 0) break;
      const line = buf.toString('latin1', pos, eol);
      // Only a line ending in `}` can announce a literal: the regular expression runs on those
      // alone, so splitting a 100,000-line answer costs the client far less than the server.
      const lit = eol > pos && buf[eol - 1] === 0x7d ? /\{(\d+)\}$/.exec(line) : null;
      pos = eol + 2;
      if (lit) {
        this.#current.push(`${line}\r\n`);
        this.#literal = Number(lit[1]);
        continue;
      }
      if (this.#current.length === 0) {
        this.#dispatch(line);
        continue;
      }
      this.#current.push(line);
      const response = this.#current.join('');
      this.#current = [];
      this.#dispatch(response);
    }
    this.#buf = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  }

  #dispatch(response: string): void {
    if (this.#greeting) {
      const g = this.#greeting;
      this.#greeting = undefined;
      g.resolve(response);
      return;
    }
    if (response.startsWith('+')) {
      const c = this.#continuation;
      this.#continuation = undefined;
      c?.resolve(response);
      return;
    }
    const p = this.#pending[0];
    if (response.startsWith('* ')) {
      if (p) p.untagged.push(response);
      else this.unsolicited++;
      return;
    }
    if (p && response.startsWith(`${p.tag} `)) {
      this.#pending.shift();
      const rest = response.slice(p.tag.length + 1);
      const sp = rest.indexOf(' ');
      const status = (sp < 0 ? rest : rest.slice(0, sp)).toUpperCase();
      p.resolve({ status, text: rest, untagged: p.untagged, ms: performance.now() - p.t0 });
      return;
    }
    this.#sock.destroy(new ImapError(`unexpected response (or a tagged answer out of order): ${response.slice(0, 200)}`));
  }

  #waitContinuation(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#continuation = { resolve, reject };
    });
  }

  /**
   * Sends one command (the part after the tag); each `{}` placeholder in `cmd` is replaced by the
   * next literal's `{n}` (or `{n+}` with LITERAL+). Resolves with the reply, whatever its status.
   * Without LITERAL+ one command at a time; with it (or without literals) commands may be sent
   * before earlier ones are answered: their tagged answers must then come in order.
   */
  async command(cmd: string, literals: Buffer[] = []): Promise<Reply> {
    if (this.#closed) throw this.#closed;
    const plus = this.capabilities.has('LITERAL+');
    if (this.#pending.length > 0 && !(plus || literals.length === 0)) throw new ImapError('one command at a time');
    const tag = `b${++this.#tagSeq}`;
    const reply = new Promise<Reply>((resolve, reject) => {
      this.#pending.push({ tag, untagged: [], t0: performance.now(), resolve, reject });
    });
    const pieces = cmd.split('{}');
    if (pieces.length - 1 !== literals.length) throw new ImapError(`${literals.length} literals for ${pieces.length - 1} placeholders`);
    if (plus || literals.length === 0) {
      const out: (string | Buffer)[] = [`${tag} ${pieces[0]}`];
      literals.forEach((lit, i) => out.push(`{${lit.length}+}\r\n`, lit, pieces[i + 1]));
      out.push('\r\n');
      this.#sock.write(Buffer.concat(out.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x))));
    } else {
      let head = `${tag} ${pieces[0]}`;
      for (let i = 0; i < literals.length; i++) {
        const cont = this.#waitContinuation();
        this.#sock.write(`${head}{${literals[i].length}}\r\n`);
        const ready = await Promise.race([cont, reply]);
        if (typeof ready !== 'string') return ready;
        this.#sock.write(literals[i]);
        head = pieces[i + 1];
      }
      this.#sock.write(`${head}\r\n`);
    }
    return reply;
  }

  /** Like command, but throws unless the status is OK. */
  async ok(cmd: string, literals: Buffer[] = []): Promise<Reply> {
    const r = await this.command(cmd, literals);
    if (r.status !== 'OK') throw new ImapError(`${cmd.slice(0, 80)}: ${r.text.slice(0, 300)}`);
    return r;
  }

  /** Starts IDLE; resolves once the server sends its continuation. `done()` ends it. */
  async idle(): Promise<{ done: () => Promise<Reply> }> {
    if (this.#closed) throw this.#closed;
    if (this.#pending.length > 0) throw new ImapError('IDLE behind unanswered commands');
    const tag = `b${++this.#tagSeq}`;
    const reply = new Promise<Reply>((resolve, reject) => {
      this.#pending.push({ tag, untagged: [], t0: performance.now(), resolve, reject });
    });
    reply.catch(() => {}); // a connection dropped while idling is reported by done()
    const cont = this.#waitContinuation();
    this.#sock.write(`${tag} IDLE\r\n`);
    const first = await Promise.race([cont, reply]);
    if (typeof first !== 'string') throw new ImapError(`IDLE: ${first.text}`);
    return {
      done: () => {
        this.#sock.write('DONE\r\n');
        return reply;
      },
    };
  }

  /** Sends LOGOUT and waits (briefly) for the server to close. */
  async logout(): Promise<void> {
    if (this.#closed) return;
    try {
      await Promise.race([this.command('LOGOUT'), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      // closing anyway
    }
    this.destroy();
  }

  destroy(): void {
    this.#sock.destroy();
  }
}

/** A quoted string (the benchmark only quotes plain ASCII). */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The numbers of an untagged `* SEARCH …` or `* ESEARCH … ALL set` reply, counted. */
export function searchCount(untagged: string[]): number {
  let n = 0;
  for (const u of untagged) {
    const m = /^\* SEARCH(.*)$/i.exec(u);
    if (m) n += m[1].trim() ? m[1].trim().split(/\s+/).length : 0;
  }
  return n;
}

/** How many untagged FETCH responses a reply holds. */
export function fetchCount(untagged: string[]): number {
  let n = 0;
  for (const u of untagged) if (/^\* \d+ FETCH /i.test(u)) n++;
  return n;
}

/** The EXISTS count of a SELECT reply. */
export function existsOf(untagged: string[]): number {
  for (const u of untagged) {
    const m = /^\* (\d+) EXISTS/i.exec(u);
    if (m) return Number(m[1]);
  }
  return -1;
}
