// A DNS server on loopback that stands in for the public DNS: zones are plain objects the test
// can change while the server runs. UDP and TCP on the same port, as resolvers expect.
import dns2 from 'dns2';

export type Rr =
  | { type: 'A' | 'AAAA'; address: string; ttl?: number }
  | { type: 'MX'; exchange: string; priority: number; ttl?: number }
  | { type: 'TXT'; data: string | string[]; ttl?: number }
  | { type: 'PTR' | 'CNAME' | 'NS'; domain: string; ttl?: number }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string; ttl?: number };

/** Names (any case, no trailing dot) to their records. A name listed in `servfail` answers SERVFAIL. */
export type Zone = Record<string, Rr[]>;

export type TestDns = {
  port: number;
  /** "127.0.0.1:PORT", for `[dns] servers` and createResolver(). */
  server: string;
  zone: Zone;
  servfail: Set<string>;
  /** Queries seen, "TYPE name", for tests that check what was asked. */
  queries: string[];
  close(): Promise<void>;
};

const { Packet } = dns2;

// RFC 2782: the SRV target is never compressed, and node's c-ares (1.34) answers EBADRESP when it
// is; dns2 compresses every name, so SRV rdata is written with compression off.
type NameWriter = { write(v: number, bits: number): void; names?: unknown };
const codecs = Packet.Resource as unknown as Record<string, { encode(r: Record<string, unknown>, w: NameWriter): void }>;
const nameCodec = (Packet as unknown as { Name: { encode(name: string, w: NameWriter): void } }).Name;
codecs.SRV.encode = (r, w) => {
  w.write(r.priority as number, 16);
  w.write(r.weight as number, 16);
  w.write(r.port as number, 16);
  const names = w.names;
  w.names = undefined;
  try {
    nameCodec.encode(r.target as string, w);
  } finally {
    w.names = names;
  }
};

export async function startDnsServer(zone: Zone = {}): Promise<TestDns> {
  const state = { zone: normalise(zone), servfail: new Set<string>(), queries: [] as string[] };
  const handle: dns2.DnsHandler = (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    const q = request.questions[0];
    if (!q) return void send(response);
    const name = q.name.toLowerCase().replace(/\.$/, '');
    const typeName = Packet.typeName(q.type);
    state.queries.push(`${typeName} ${name}`);
    if (state.servfail.has(name)) {
      response.header.rcode = Packet.RCODE.SERVFAIL;
      return void send(response);
    }
    const records = lookup(state.zone, name);
    if (!records) {
      response.header.rcode = Packet.RCODE.NXDOMAIN;
      return void send(response);
    }
    const cname = records.find((r) => r.type === 'CNAME');
    if (cname && typeName !== 'CNAME') {
      response.answers.push(toAnswer(q.name, cname));
      const target = lookup(state.zone, (cname as { domain: string }).domain.toLowerCase()) ?? [];
      for (const r of target) if (r.type === typeName) response.answers.push(toAnswer((cname as { domain: string }).domain, r));
      return void send(response);
    }
    for (const r of records) if (r.type === typeName) response.answers.push(toAnswer(q.name, r));
    void send(response);
  };
  // UDP on a free port, then TCP on the same number — which another socket may hold already:
  // then both are given up and another port tried (a UDP socket left open would keep the test
  // process alive forever).
  let udp: ReturnType<typeof dns2.createUDPServer> | undefined;
  let tcp: ReturnType<typeof dns2.createTCPServer> | undefined;
  let port = 0;
  const conns = new Set<import('node:net').Socket>();
  for (let attempt = 1; !tcp; attempt++) {
    const u = dns2.createUDPServer(handle);
    await u.listen(0, '127.0.0.1');
    port = (u.address() as { port: number }).port;
    const t = dns2.createTCPServer(handle);
    try {
      await new Promise<void>((resolve, reject) => {
        t.once('error', reject);
        t.listen(port, '127.0.0.1', () => resolve());
      });
      udp = u;
      tcp = t;
      t.on('connection', (c: import('node:net').Socket) => {
        conns.add(c);
        c.once('close', () => conns.delete(c));
      });
    } catch (e) {
      await new Promise<void>((r) => u.close(() => r()));
      if (attempt >= 20) throw e;
    }
  }
  return {
    port,
    server: `127.0.0.1:${port}`,
    get zone() {
      return state.zone;
    },
    set zone(z: Zone) {
      state.zone = normalise(z);
    },
    servfail: state.servfail,
    queries: state.queries,
    async close() {
      // Resolvers keep their TCP connections open; the server would wait for them forever.
      for (const c of conns) c.destroy();
      await Promise.all([new Promise<void>((r) => udp!.close(() => r())), new Promise<void>((r) => tcp!.close(() => r()))]);
    },
  };
}

function normalise(z: Zone): Zone {
  const out: Zone = {};
  for (const [k, v] of Object.entries(z)) out[k.toLowerCase().replace(/\.$/, '')] = v;
  return out;
}

function lookup(zone: Zone, name: string): Rr[] | undefined {
  if (zone[name]) return zone[name];
  // A wildcard "*.example" answers for any name below it without records of its own.
  const dot = name.indexOf('.');
  return dot > 0 ? zone[`*${name.slice(dot)}`] : undefined;
}

function toAnswer(name: string, r: Rr): dns2.Packet.Resource {
  const base = { name, class: Packet.CLASS.IN, ttl: r.ttl ?? 300, type: Packet.TYPE[r.type] };
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { ...base, address: r.address } as dns2.Packet.Resource;
    case 'MX':
      return { ...base, exchange: r.exchange, priority: r.priority } as dns2.Packet.Resource;
    case 'TXT':
      // Long strings are split into 255-octet character-strings, as zone files do.
      return { ...base, data: (Array.isArray(r.data) ? r.data : [r.data]).flatMap(chunk255) } as unknown as dns2.Packet.Resource;
    case 'PTR':
    case 'CNAME':
    case 'NS':
      return { ...base, domain: r.domain } as dns2.Packet.Resource;
    case 'SRV':
      return { ...base, priority: r.priority, weight: r.weight, port: r.port, target: r.target } as dns2.Packet.Resource;
  }
}

function chunk255(s: string): string[] {
  const b = Buffer.from(s, 'utf8');
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255).toString('utf8'));
  return out.length ? out : [''];
}
