// What an operator relies on: one JSON log line per connection, rejected command and message,
// tied together by the session id; LMTP on a Unix socket; a clean shutdown on SIGTERM.
import assert from 'node:assert/strict';
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { seedDataDir, spawnServer } from '../harness/process.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import net from 'node:net';

type Line = Record<string, unknown>;

describe('logs and lifecycle', () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));

  it('logs connections, rejections and messages with ids, serves LMTP on a socket, stops cleanly', { timeout: 60_000 }, async () => {
    dir = await seedDataDir('mailhaven-logs-', 'ops@log.test');

    const proc = await spawnServer(dir, '[lmtp]\nenabled = true\nsocket = "lmtp.sock"\n');
    try {
      await exercise(dir, proc.ports.smtp);
      // logrotate: the file is moved away and the server told with SIGHUP to open a new one.
      await rename(path.join(dir, 'logs', 'mailhaven.log'), path.join(dir, 'logs', 'mailhaven.log.1'));
      proc.child.kill('SIGHUP');
      const deadline = Date.now() + 10_000;
      while (!(await readFile(path.join(dir, 'logs', 'mailhaven.log'), 'utf8').catch(() => '')).includes('"log.reopened"') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (e) {
      proc.child.kill('SIGKILL');
      throw e;
    }
    proc.child.kill('SIGTERM');
    const code = await new Promise((r) => proc.child.once('exit', (c) => r(c)));
    assert.equal(code, 0, proc.output());
    await checkLogs(dir);
  });
});

async function exercise(dir: string, smtpPort: number): Promise<void> {
  {
    const { client } = await RawSmtp.connect(smtpPort);
    await client.cmd('EHLO logger.test');
    assert.equal((await client.cmd('MAIL FROM:<a@remote.test>')).code, 250);
    assert.equal((await client.cmd('RCPT TO:<nobody@log.test>')).code, 550);
    assert.equal((await client.cmd('RCPT TO:<ops@log.test>')).code, 250);
    assert.equal((await client.cmd('DATA')).code, 354);
    client.write('Message-ID: <log-1@remote.test>\r\nSubject: logged\r\n\r\nhi\r\n.\r\n');
    assert.equal((await client.read()).code, 250);
    await client.cmd('QUIT');
    client.close();

    // LMTP over the Unix socket.
    const sock = net.connect(path.join(dir, 'lmtp.sock'));
    await new Promise((r) => sock.once('connect', r));
    const lmtpDone = new Promise<string>((resolve) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        if (/\r\n250[ -][^\r\n]*delivered[^\r\n]*\r\n/.test(buf)) resolve(buf);
      });
    });
    sock.write('LHLO mta.test\r\nMAIL FROM:<b@remote.test>\r\nRCPT TO:<ops@log.test>\r\nDATA\r\n');
    await new Promise((r) => setTimeout(r, 300));
    sock.write('Subject: via socket\r\n\r\nx\r\n.\r\nQUIT\r\n');
    assert.match(await lmtpDone, /250 2\.\d\.\d <ops@log\.test> Ok: delivered/);
    sock.destroy();
  }
}

async function checkLogs(dir: string): Promise<void> {
  {
    const rotated = (await readFile(path.join(dir, 'logs', 'mailhaven.log.1'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Line);
    const current = (await readFile(path.join(dir, 'logs', 'mailhaven.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Line);
    assert.ok(current.some((l) => l.event === 'log.reopened'), 'SIGHUP reopened the log into a new file');
    assert.ok(!rotated.some((l) => l.event === 'log.reopened' || l.event === 'stopped'), 'nothing after the rotation went to the moved file');
    const lines = [...rotated, ...current];
    const accepted = lines.find((l) => l.event === 'message.accepted' && l.messageId === 'log-1@remote.test');
    assert.ok(accepted, 'message.accepted logged');
    for (const k of ['sid', 'id', 'ip', 'from', 'to', 'size']) assert.ok(accepted[k] !== undefined, `message line has ${k}`);
    const reject = lines.find((l) => l.event === 'smtp.reject');
    assert.ok(reject && reject.sid === accepted.sid && reject.code === 550, 'rejected RCPT logged with the same session id');
    const session = lines.find((l) => l.event === 'smtp.session' && l.sid === accepted.sid);
    assert.ok(session, 'one line for the connection');
    assert.equal(session.accepted, 1);
    assert.equal(session.rejectedCommands, 1);
    assert.ok(lines.some((l) => l.event === 'message.accepted' && l.sid !== accepted.sid && String(l.to).includes('ops@log.test')), 'LMTP delivery logged');
    assert.ok(lines.some((l) => l.event === 'stopped'), 'clean shutdown logged');
  }
}
