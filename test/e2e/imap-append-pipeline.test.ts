// Pipelined APPENDs on one connection (LITERAL+, the way mbsync, imapsync and Thunderbird
// upload): tagged answers in command order, UIDs ascending in command order, a failing APPEND
// answered on its own without touching the others, and no acknowledged message lost to kill -9.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { seedDataDir, spawnServer } from '../harness/process.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';

type Tagged = { tag: string; status: string; text: string };

/** A raw IMAP connection that collects tagged answers in the order they arrive. */
class Wire {
  readonly tagged: Tagged[] = [];
  untagged = '';
  closed = false;
  private buf = '';
  private waiters: (() => void)[] = [];
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      let eol: number;
      while ((eol = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, eol);
        this.buf = this.buf.slice(eol + 2);
        const m = /^([A-Za-z0-9.]+) (OK|NO|BAD) (.*)$/.exec(line);
        if (m && !line.startsWith('* ')) this.tagged.push({ tag: m[1], status: m[2], text: m[3] });
        else this.untagged += line + '\r\n';
      }
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  static async login(port: number, user: string, password: string): Promise<Wire> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
    const w = new Wire(socket);
    w.write(`L LOGIN ${user} ${password}\r\n`);
    const [r] = await w.answers(1);
    assert.equal(r.status, 'OK', r.text);
    w.tagged.length = 0;
    return w;
  }

  write(s: string | Buffer): void {
    this.socket.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  /** Waits until `n` tagged answers have come (in all), or the connection closes. */
  async answers(n: number, ms = 10_000): Promise<Tagged[]> {
    const end = Date.now() + ms;
    while (this.tagged.length < n && !this.closed) {
      if (Date.now() > end) throw new Error(`${this.tagged.length} of ${n} answers; have ${JSON.stringify(this.tagged.slice(-3))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.tagged;
  }

  close(): void {
    this.socket.destroy();
  }
}

const message = (subject: string, size = 300): string => {
  const head = `From: a@pipe.test\r\nTo: b@pipe.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@pipe.test>\r\n\r\n`;
  return head + 'y'.repeat(Math.max(0, size - head.length - 2)) + '\r\n';
};
const append = (tag: string, mailbox: string, body: string): string => `${tag} APPEND ${mailbox} {${Buffer.byteLength(body)}+}\r\n${body}\r\n`;
const appendUid = (text: string): number[] => {
  const m = /^\[APPENDUID \d+ ([0-9:,]+)\]/.exec(text);
  assert.ok(m, `no APPENDUID in ${text}`);
  return m[1].split(',').flatMap((r) => {
    const [a, b] = r.split(':').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
};

describe('pipelined APPEND', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ imap_limits: { append_limit: 4096 } });
    await t.addDomain('pipe.test');
    await t.addUser('pia@pipe.test');
    await t.addUser('quo@pipe.test', { quota: 3500 });
  });
  after(() => t.stop());

  it('answers in command order with ascending UIDs; a failing APPEND is answered on its own', async () => {
    const w = await Wire.login(t.imapPort, 'pia@pipe.test', 'secret');
    // One write: 40 APPENDs with a MULTIAPPEND, one into a missing mailbox, one over
    // APPENDLIMIT, a bad one and a NOOP mixed in; the server reads them all before answering.
    const plan: { tag: string; kind: 'ok' | 'multi' | 'trycreate' | 'toobig' | 'bad' | 'noop'; subjects: string[] }[] = [];
    let out = '';
    for (let i = 0; i < 40; i++) {
      const tag = `A${i}`;
      if (i === 7) {
        const a = message('multi-a');
        const b = message('multi-b');
        out += `${tag} APPEND INBOX {${a.length}+}\r\n${a} (\\Seen) {${b.length}+}\r\n${b}\r\n`;
        plan.push({ tag, kind: 'multi', subjects: ['multi-a', 'multi-b'] });
      } else if (i === 12) {
        out += append(tag, 'Nowhere', message('nowhere'));
        plan.push({ tag, kind: 'trycreate', subjects: [] });
      } else if (i === 20) {
        out += append(tag, 'INBOX', message('huge', 5000));
        plan.push({ tag, kind: 'toobig', subjects: [] });
      } else if (i === 25) {
        out += `${tag} APPEND INBOX (\\Bogus\r\n`;
        plan.push({ tag, kind: 'bad', subjects: [] });
      } else if (i === 30) {
        out += `${tag} NOOP\r\n`;
        plan.push({ tag, kind: 'noop', subjects: [] });
      } else {
        out += append(tag, 'INBOX', message(`m${i}`));
        plan.push({ tag, kind: 'ok', subjects: [`m${i}`] });
      }
    }
    w.write(out);
    const answers = await w.answers(plan.length);
    assert.deepEqual(answers.map((a) => a.tag), plan.map((p) => p.tag), 'tagged answers in command order');
    let last = 0;
    const uidOf = new Map<string, number>();
    plan.forEach((p, i) => {
      const a = answers[i];
      if (p.kind === 'ok' || p.kind === 'multi') {
        assert.equal(a.status, 'OK', `${p.tag}: ${a.text}`);
        const uids = appendUid(a.text);
        assert.equal(uids.length, p.subjects.length);
        for (const [k, uid] of uids.entries()) {
          assert.ok(uid > last, `${p.tag}: UID ${uid} after ${last}`);
          last = uid;
          uidOf.set(p.subjects[k], uid);
        }
      } else if (p.kind === 'trycreate') assert.match(`${a.status} ${a.text}`, /^NO \[TRYCREATE\]/);
      else if (p.kind === 'toobig') assert.match(`${a.status} ${a.text}`, /^NO \[TOOBIG\]/);
      else if (p.kind === 'bad') assert.equal(a.status, 'BAD');
      else assert.equal(a.status, 'OK');
    });
    assert.equal(uidOf.size, 37);
    // Every message is where its APPENDUID says, with its flags.
    w.tagged.length = 0;
    w.untagged = '';
    w.write('S SELECT INBOX\r\nF UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n');
    await w.answers(2);
    assert.match(w.untagged, /\* 37 EXISTS/);
    const seen = new Map<string, number>();
    for (const m of w.untagged.matchAll(/UID (\d+) FLAGS \(([^)]*)\) BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: (\S+)/g)) {
      seen.set(m[3], Number(m[1]));
      assert.equal(m[2].includes('\\Seen'), m[3] === 'multi-b', `flags of ${m[3]}`);
    }
    assert.deepEqual([...seen].sort(), [...uidOf].sort());
    w.close();
  });

  it('counts the APPENDs still in flight against the quota', async () => {
    const w = await Wire.login(t.imapPort, 'quo@pipe.test', 'secret');
    // 1,000 bytes each against a quota of 3,500: three fit, the fourth and fifth do not.
    w.write(Array.from({ length: 5 }, (_, i) => append(`Q${i}`, 'INBOX', message(`q${i}`, 1000))).join(''));
    const answers = await w.answers(5);
    assert.deepEqual(answers.map((a) => a.status), ['OK', 'OK', 'OK', 'NO', 'NO']);
    assert.match(answers[3].text, /^\[OVERQUOTA\]/);
    w.close();
  });
});

describe('pipelined APPEND and kill -9', () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps every message whose APPEND was answered OK', { timeout: 60_000 }, async () => {
    dir = await seedDataDir('mailhaven-append-crash-', 'box@crash.test');
    const proc = await spawnServer(dir);
    const w = await Wire.login(proc.ports.imap, 'box@crash.test', 'x');
    // Keep 16 APPENDs in flight; kill the server once 200 are acknowledged.
    let sent = 0;
    while (!w.closed && w.tagged.length < 200) {
      while (sent - w.tagged.length < 16 && sent < 2000) {
        w.write(append(`C${sent}`, 'INBOX', message(`crash-${sent}`, 1500)));
        sent++;
      }
      await w.answers(Math.min(sent, w.tagged.length + 1));
    }
    // 16 more on their way as the kill lands, so that some are surely never answered (the
    // loop may end with few in flight, all answered before the signal arrives).
    for (let i = 0; i < 16; i++, sent++) w.write(append(`C${sent}`, 'INBOX', message(`crash-${sent}`, 1500)));
    proc.child.kill('SIGKILL');
    await new Promise((r) => (proc.child.exitCode !== null || proc.child.signalCode !== null ? r(null) : proc.child.once('exit', r)));
    const acked = new Map<number, number>();
    w.tagged.forEach((a, i) => {
      assert.equal(a.tag, `C${i}`, 'answers in order');
      assert.equal(a.status, 'OK', a.text);
      acked.set(i, appendUid(a.text)[0]);
    });
    w.close();
    assert.ok(acked.size >= 200 && sent > acked.size, `${acked.size} acknowledged of ${sent} sent`);

    const t = await startTestServer({}, dir);
    try {
      const rows = t.server.services.db.prepare("SELECT uid, subject FROM messages WHERE subject LIKE 'crash-%'").all() as { uid: number; subject: string }[];
      const uidOf = new Map(rows.map((r) => [Number(r.subject.slice(6)), r.uid]));
      const files = await t.maildir('box@crash.test');
      const inFiles = new Set(files.map((f) => Number(/Subject: crash-(\d+)/.exec(f.content)?.[1])));
      for (const [n, uid] of acked) {
        assert.ok(inFiles.has(n), `crash-${n} was acknowledged but has no file`);
        assert.equal(uidOf.get(n), uid, `crash-${n} was acknowledged with UID ${uid}`);
      }
      assert.equal(rows.length, files.length, 'every file is indexed exactly once');
    } finally {
      await t.stop();
    }
  });
});
