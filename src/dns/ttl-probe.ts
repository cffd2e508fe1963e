// The TTL of a record set, which node's resolver does not report for MX or TXT. One question
// over UDP to the first configured name server (RFC 1035 §4.1); any surprise (truncation, a
// malformed answer, a timeout) yields undefined: TTLs only feed advice, never a verdict.
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

const TYPES = { A: 1, MX: 15, TXT: 16, AAAA: 28 } as const;
export type TtlType = keyof typeof TYPES;

export type TtlProbe = (name: string, type: TtlType) => Promise<number | undefined>;

/** servers as in [dns] servers ("host", "host:port", "[v6]:port"); empty: the system's. */
export function createTtlProbe(servers: string[], timeoutMs: number): TtlProbe {
  const target = parseServer(servers[0] ?? new dns.Resolver().getServers()[0] ?? '127.0.0.1');
  return (name, type) => (target ? query(target, name, TYPES[type], Math.min(timeoutMs, 3000)) : Promise.resolve(undefined));
}

function parseServer(s: string): { host: string; port: number } | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1], port: Number(v6[2] ?? 53) };
  if (isIP(s) === 6) return { host: s, port: 53 };
  const [host, port] = s.split(':');
  return isIP(host) ? { host, port: Number(port ?? 53) } : undefined;
}

function query(target: { host: string; port: number }, name: string, qtype: number, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const id = randomInt(0, 0x10000);
    const socket = dgram.createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
    const done = (v: number | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (msg) => {
      if (msg.length < 12 || msg.readUInt16BE(0) !== id) return; // not our answer: keep waiting
      done(minTtl(msg, qtype));
    });
    socket.send(encodeQuery(id, name, qtype), target.port, target.host);
  });
}

function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts = [Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])]; // RD, one question
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii').subarray(0, 63);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]));
  return Buffer.concat(parts);
}

/** Smallest TTL among the answers of the asked type; undefined when there are none. */
function minTtl(msg: Buffer, qtype: number): number | undefined {
  const flags = msg.readUInt16BE(2);
  if (flags & 0x0200 || (flags & 0x000f) !== 0) return undefined; // truncated, or an error rcode
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) {
    off = skipName(msg, off);
    if (off < 0) return undefined;
    off += 4;
  }
  let min: number | undefined;
  for (let i = 0; i < an; i++) {
    off = skipName(msg, off);
    if (off < 0 || off + 10 > msg.length) return undefined;
    const type = msg.readUInt16BE(off);
    const ttl = msg.readUInt32BE(off + 4);
    const len = msg.readUInt16BE(off + 8);
    off += 10 + len;
    if (off > msg.length) return undefined;
    if (type === qtype) min = min === undefined ? ttl : Math.min(min, ttl);
  }
  return min;
}

function skipName(msg: Buffer, off: number): number {
  for (let guard = 0; guard < 128 && off < msg.length; guard++) {
    const len = msg[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= msg.length ? off + 2 : -1; // compression pointer ends the name
    off += 1 + len;
  }
  return -1;
}
