// A promise face on nodemailer's SMTP connection, the outbound queue's SMTP client. It brings
// STARTTLS, PIPELINING, SIZE, 8BITMIME, SMTPUTF8 and the DSN parameters; here we add the
// per-recipient view of a transaction the queue needs (which RCPTs were refused and how).
import type { TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export type TlsMode = 'opportunistic' | 'required' | 'implicit' | 'none';

export type ClientOptions = {
  /** IP address to connect to. */
  ip: string;
  port: number;
  /** Host name for SNI and certificate checks. */
  servername: string;
  heloName: string;
  tls: TlsMode;
  verifyCertificate: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  auth?: { user: string; pass: string };
};

export type Envelope = {
  from: string;
  to: string[];
  size: number;
  ret?: 'FULL' | 'HDRS' | null;
  envid?: string | null;
  notify?: string | null;
  orcpt?: string | null;
};

export type Reply = { code: number | null; text: string };

/** One transaction's result: refused recipients with their replies, and the reply that decides the rest. */
export type SendResult = { rejected: Map<string, Reply>; final: Reply & { ok: boolean } };

type NmError = Error & { code?: string; responseCode?: number; response?: string; command?: string; rejectedErrors?: NmError[]; recipient?: string };

type Internals = { _supportedExtensions?: string[]; _envelope?: { rejectedErrors?: NmError[] }; _socket?: unknown };

export class SmtpClient {
  readonly ip: string;
  readonly servername: string;
  private readonly conn: SMTPConnection;
  private broken = false;

  private constructor(conn: SMTPConnection, ip: string, servername: string) {
    this.conn = conn;
    this.ip = ip;
    this.servername = servername;
    conn.on('error', () => {
      this.broken = true;
    });
    conn.on('end', () => {
      this.broken = true;
    });
  }

  static connect(o: ClientOptions): Promise<SmtpClient> {
    const conn = new SMTPConnection({
      host: o.ip,
      port: o.port,
      name: o.heloName,
      secure: o.tls === 'implicit',
      requireTLS: o.tls === 'required',
      opportunisticTLS: o.tls === 'opportunistic',
      ignoreTLS: o.tls === 'none',
      servername: o.servername,
      connectionTimeout: o.connectTimeoutMs,
      greetingTimeout: o.connectTimeoutMs,
      socketTimeout: o.commandTimeoutMs,
      allowInternalNetworkInterfaces: true,
      logger: false,
      tls: { rejectUnauthorized: o.verifyCertificate, servername: o.servername },
    });
    return new Promise((resolve, reject) => {
      let done = false;
      conn.once('error', (e: Error) => {
        if (done) return;
        done = true;
        conn.close();
        reject(e);
      });
      conn.connect((err) => {
        if (done) return;
        done = true;
        if (err) {
          conn.close();
          return reject(err);
        }
        const client = new SmtpClient(conn, o.ip, o.servername);
        if (!o.auth) return resolve(client);
        conn.login({ user: o.auth.user, pass: o.auth.pass }, (e) => {
          if (e) {
            conn.close();
            reject(e);
          } else resolve(client);
        });
      });
    });
  }

  get usable(): boolean {
    return !this.broken && !this.conn.destroyed;
  }

  /** The negotiated TLS version ("TLSv1.3"), or null on a plain connection. */
  get tlsVersion(): string | null {
    if (!this.conn.secure) return null;
    const s = (this.conn as unknown as Internals)._socket as TLSSocket | undefined;
    return s && typeof s.getProtocol === 'function' ? s.getProtocol() : 'TLS';
  }

  /** The server announced DSN (RFC 3461), so it takes over NOTIFY and ORCPT. */
  get supportsDsn(): boolean {
    return ((this.conn as unknown as Internals)._supportedExtensions ?? []).includes('DSN');
  }

  send(env: Envelope, message: Buffer): Promise<SendResult> {
    const dsn = env.ret || env.envid || env.notify || env.orcpt ? { ret: env.ret ?? undefined, envid: env.envid ?? undefined, notify: env.notify ?? undefined, orcpt: env.orcpt ?? undefined } : undefined;
    return new Promise((resolve) => {
      this.conn.send({ from: env.from, to: env.to, size: env.size, use8BitMime: true, dsn }, message, (err, info) => {
        if (!err && info) {
          const rejected = new Map<string, Reply>();
          for (const e of (info.rejectedErrors ?? []) as NmError[]) if (e.recipient) rejected.set(e.recipient, replyOf(e));
          return resolve({ rejected, final: { ok: true, code: codeOf(info.response), text: info.response } });
        }
        const e = err as NmError;
        const rejected = new Map<string, Reply>();
        // Recipients refused at RCPT keep their own reply even when DATA fails afterwards.
        const refused = e.rejectedErrors ?? (this.conn as unknown as Internals)._envelope?.rejectedErrors ?? [];
        for (const r of refused) if (r.recipient) rejected.set(r.recipient, replyOf(r));
        // No reply code: the connection itself failed, and is not reused.
        if (e.responseCode === undefined) this.broken = true;
        resolve({ rejected, final: { ok: false, ...replyOf(e) } });
      });
    });
  }

  /** RSET between transactions on a reused connection. */
  reset(): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.usable) return resolve(false);
      this.conn.reset((err) => {
        if (err) this.broken = true;
        resolve(!err);
      });
    });
  }

  quit(): void {
    this.broken = true;
    this.conn.quit();
  }

  close(): void {
    this.broken = true;
    this.conn.close();
  }
}

function codeOf(response: string | undefined): number | null {
  const m = response ? /^(\d{3})/.exec(response) : null;
  return m ? Number(m[1]) : null;
}

function replyOf(e: NmError): Reply {
  if (e.response) return { code: e.responseCode ?? codeOf(e.response), text: e.response.replace(/\s+/g, ' ').trim() };
  return { code: null, text: `${e.code ?? 'error'}: ${e.message}` };
}
