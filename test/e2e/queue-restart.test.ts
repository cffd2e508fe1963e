// The queue across a kill -9 in the middle of a delivery (the attempt is repeated after the
// restart, nothing is lost), and `mailhaven queue list|show|flush|remove` against a running
// server, which picks the changes up by polling.
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/logger.ts';
import { openServices } from '../../src/main.ts';
import { runCli } from '../harness/cli.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { seedDataDir, spawnServer, type ServerProcess } from '../harness/process.ts';
import { waitFor } from '../harness/queue.ts';
import { RawSmtp } from '../harness/smtp-client.ts';
import { startPeer, type Peer } from '../harness/smtp-peer.ts';

describe('queue across restarts, and the queue CLI', () => {
  let dir: string;
  let dns: TestDns;
  let peer: Peer;
  let proc: ServerProcess | null = null;
  let toml: string;
  before(async () => {
    dns = await startDnsServer({ 'slow.test': [{ type: 'MX', exchange: 'peer.test', priority: 10 }], 'peer.test': [{ type: 'A', address: '127.0.0.1' }] });
    peer = await startPeer({ holdData: true, greylist: (r) => r.startsWith('grey@'), tempfail: (r) => r.startsWith('never@') });
    dir = await seedDataDir('mailhaven-queue-restart-', 'box@crash.test');
    const s = openServices(dir, silentLogger());
    for (const who of ['r', 'grey', 'never']) await s.directory.addAlias(`${who}@crash.test`, `${who}@slow.test`);
    await s.close();
    toml = `[dns]\nservers = ["${dns.server}"]\ntimeout = 500\n[queue]\nport = ${peer.port}\nretry_initial = 3600\npoll_interval = 0.1\n[log]\nfile = false\n`;
  });
  after(async () => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await peer.close();
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  }, { timeout: 30_000 });

  const exited = (p: ServerProcess) => new Promise<number | null>((r) => (p.child.exitCode !== null || p.child.signalCode !== null ? r(p.child.exitCode) : p.child.once('exit', (c) => r(c))));
  const forward = async (to: string, subject: string) => {
    const { client } = await RawSmtp.connect(proc!.ports.smtp);
    await client.cmd('EHLO c.test');
    const r = await client.send('s@remote.test', [to], `Subject: ${subject}\r\nMessage-ID: <${subject}@remote.test>\r\n\r\nbody\r\n`);
    client.close();
    assert.equal(r.final?.code, 250);
  };
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, '--data', dir, '--config', path.join(dir, 'test.toml')]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  it('a server killed mid-delivery repeats that attempt after the restart', { timeout: 60_000 }, async () => {
    proc = await spawnServer(dir, toml);
    await forward('r@crash.test', 'inflight');
    await waitFor('the peer receiving DATA', () => peer.dataStarts === 1);
    proc.child.kill('SIGKILL');
    await exited(proc);
    // The peer never answered that DATA: from the sender's side the outcome is unknown.
    peer.behaviour.holdData = false;
    proc = await spawnServer(dir, toml);
    const m = await waitFor('delivery after the restart', () => peer.messages.find((x) => x.content.includes('Subject: inflight')));
    assert.deepEqual(m.to, ['r@slow.test']);
    assert.match(m.from, /^SRS0=/);
    assert.match(proc.output(), /"event":"queue.resume"/);
  });

  it('list shows a deferred message with its reply; flush makes the running server retry it', { timeout: 60_000 }, async () => {
    await forward('grey@crash.test', 'greylisted');
    await waitFor('the 451', () => peer.rcptReplies.some((r) => r.rcpt === 'grey@slow.test' && r.code === 451));
    const list = await waitFor('the deferral recorded', async () => {
      const out = await cli('queue', 'list');
      return out.includes('grey@slow.test') && out.includes('451') && out;
    });
    assert.match(list, /^[0-9A-Z]{16} /m);
    assert.match(list, /grey@slow\.test {2}\[queued, 1 attempt, next in \d+m; last: peer\.test: 451 4\.7\.1 Greylisted/);
    assert.match(await cli('queue', 'flush'), /^1 recipient due now/);
    await waitFor('delivery after flush', () => peer.messages.find((x) => x.content.includes('Subject: greylisted')));
    await waitFor('the queue empty again', async () => (await cli('queue', 'list')).includes('0 messages queued'));
    // One line per attempt, with the remote host, address, TLS version, reply; and the final state.
    const lines = proc!.output().split('\n').filter((l) => l.includes('"queue.attempt"') && l.includes('grey@slow.test')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].host, 'peer.test');
    assert.equal(lines[0].ip, '127.0.0.1');
    assert.match(String(lines[0].tls), /^TLSv1\.[23]$/);
    assert.equal(lines[1].code, 250);
    assert.match(String(lines[1].qid), /^[0-9A-Z]{16}$/);
    assert.match(proc!.output(), /"event":"queue.delivered".*"rcpt":"grey@slow.test"/);
  });

  it('show and remove a message that keeps being deferred; SIGTERM stops cleanly', { timeout: 60_000 }, async () => {
    await forward('never@crash.test', 'deferred');
    // The id of the listed message whose recipient lines name never@slow.test, and no other.
    const id = await waitFor('the deferral', async () => {
      const blocks = (await cli('queue', 'list')).split(/\n(?=[0-9A-Z]{16} )/);
      return /^([0-9A-Z]{16}) /.exec(blocks.find((b) => b.includes('never@slow.test')) ?? '')?.[1];
    });
    const show = await cli('queue', 'show', id);
    assert.match(show, new RegExp(`^queue id: +${id}$`, 'm'));
    assert.match(show, /never@slow\.test {2}\[queued, 1 attempt/);
    assert.match(show, /^Subject: deferred\r?$/m);
    const tries = peer.rcptReplies.filter((r) => r.rcpt === 'never@slow.test').length;
    assert.match(await cli('queue', 'retry', id), /1 recipient due now/);
    await waitFor('another attempt', () => peer.rcptReplies.filter((r) => r.rcpt === 'never@slow.test').length === tries + 1);
    assert.match((await runCli(['queue', 'remove', '--help'])).stdout, /--data <dir>/);
    assert.match(await cli('queue', 'remove', id), /1 recipient removed/);
    assert.match(await cli('queue', 'list'), /0 messages queued/);
    assert.deepEqual((await readdir(path.join(dir, 'queue'))).filter((f) => f.startsWith(id)), []);
    proc!.child.kill('SIGTERM');
    assert.equal(await exited(proc!), 0);
  });
});
