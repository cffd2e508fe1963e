// A small smtp-server instance as the remote MTA in queue tests, scripted to misbehave:
// per-recipient 5xx, greylisting (451 on the first try of a sender/recipient pair), dropping
// the connection in the middle of DATA, AUTH for smarthost tests. It records what it saw.
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import * as selfsigned from 'selfsigned';

export type PeerMessage = { from: string; to: string[]; content: string; rcptArgs: Record<string, unknown>[]; mailArgs: Record<string, unknown>; secure: boolean; user?: string };

export type PeerBehaviour = {
  /** Recipients answered 550 5.1.1 at RCPT. */
  reject?: (rcpt: string) => boolean;
  /** Recipients greylisted: 451 4.7.1 until they have been tried once before. */
  greylist?: (rcpt: string) => boolean;
  /** Recipients always answered 450 4.2.0 (a receiver that keeps deferring). */
  tempfail?: (rcpt: string) => boolean;
  /** Drop the connection after part of the message, the first time for these recipients. */
  dropMidData?: (rcpts: string[]) => boolean;
  /** Hold DATA (no reply) until released, to catch a sender mid-delivery. */
  holdData?: boolean;
  /** Required AUTH credentials (smarthost); STARTTLS is required before AUTH. */
  auth?: { user: string; pass: string };
  /** Announce DSN (RFC 3461). */
  dsn?: boolean;
};

export type Peer = {
  port: number;
  messages: PeerMessage[];
  dataStarts: number;
  connections: number;
  rcptReplies: { rcpt: string; code: number }[];
  behaviour: PeerBehaviour;
  releaseHeld(): void;
  close(): Promise<void>;
};

export async function startPeer(behaviour: PeerBehaviour = {}, host = '127.0.0.1', port = 0): Promise<Peer> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'peer.test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'peer.test' }] }],
  });
  const seen = new Set<string>();
  const dropped = new Set<string>();
  const held: (() => void)[] = [];
  const state = { messages: [] as PeerMessage[], dataStarts: 0, connections: 0, rcptReplies: [] as { rcpt: string; code: number }[] };
  const opts: SMTPServerOptions = {
    name: 'peer.test',
    key: pems.private,
    cert: pems.cert,
    logger: false,
    disableReverseLookup: true,
    authOptional: !behaviour.auth,
    disabledCommands: behaviour.auth ? [] : ['AUTH'],
    allowInsecureAuth: false,
    hideDSN: !behaviour.dsn,
    onConnect: (_s, cb) => {
      state.connections++;
      cb();
    },
    onAuth: (auth, _s, cb) => {
      const want = behaviour.auth;
      if (want && auth.username === want.user && auth.password === want.pass) return cb(null, { user: auth.username });
      cb(Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }));
    },
    onRcptTo: (addr, session, cb) => {
      const rcpt = addr.address;
      if (behaviour.reject?.(rcpt)) {
        state.rcptReplies.push({ rcpt, code: 550 });
        return cb(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
      }
      if (behaviour.tempfail?.(rcpt)) {
        state.rcptReplies.push({ rcpt, code: 450 });
        return cb(Object.assign(new Error('4.2.0 Mailbox busy, try later'), { responseCode: 450 }));
      }
      const key = `${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''} ${rcpt}`;
      if (behaviour.greylist?.(rcpt) && !seen.has(key)) {
        seen.add(key);
        state.rcptReplies.push({ rcpt, code: 451 });
        return cb(Object.assign(new Error('4.7.1 Greylisted, please try again later'), { responseCode: 451 }));
      }
      state.rcptReplies.push({ rcpt, code: 250 });
      cb();
    },
    onData: (stream, session, cb) => {
      state.dataStarts++;
      const chunks: Buffer[] = [];
      const rcpts = session.envelope.rcptTo.map((r) => r.address);
      if (behaviour.dropMidData?.(rcpts) && !dropped.has(rcpts.join(','))) {
        dropped.add(rcpts.join(','));
        stream.once('data', () => {
          for (const c of (server as unknown as { connections: Set<{ id: string; _socket: Socket }> }).connections) {
            if (c.id === session.id) c._socket.destroy();
          }
        });
        stream.on('data', () => undefined);
        return;
      }
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const done = () => {
          state.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            content: Buffer.concat(chunks).toString('latin1'),
            rcptArgs: session.envelope.rcptTo.map((r) => (r.args || {}) as Record<string, unknown>),
            mailArgs: (session.envelope.mailFrom ? session.envelope.mailFrom.args || {} : {}) as Record<string, unknown>,
            secure: session.secure,
            user: session.user as string | undefined,
          });
          cb(null, 'Ok: queued at the peer');
        };
        if (behaviour.holdData) held.push(done);
        else done();
      });
    },
  };
  const server = new SMTPServer(opts);
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    get messages() {
      return state.messages;
    },
    get dataStarts() {
      return state.dataStarts;
    },
    get connections() {
      return state.connections;
    },
    rcptReplies: state.rcptReplies,
    behaviour,
    releaseHeld() {
      behaviour.holdData = false;
      for (const h of held.splice(0)) h();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
