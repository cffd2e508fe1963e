// The `mailhaven` command as an administrator uses it: domains, users, aliases, config
// errors, and changes seen by a running server without a restart.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../harness/cli.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

describe('mailhaven CLI', () => {
  let dir: string;
  let t: TestServer;
  const cli = (args: string[], input?: string) => runCli([...args, '--data', dir], { input });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailhaven-cli-'));
    t = await startTestServer({}, dir);
  });
  after(async () => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('--help works everywhere', async () => {
    for (const args of [['--help'], ['user', '--help'], ['user', 'add', '--help'], ['alias', 'add', '--help'], ['serve', '--help']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: mailhaven/);
    }
    assert.match((await runCli(['user', 'add', '--help'])).stdout, /--data <dir>/);
  });

  it('adds a domain and a user that the running server accepts mail for at once', async () => {
    let r = await cli(['domain', 'add', 'Example.TEST']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await cli(['domain', 'list'])).stdout.trim(), 'example.test');
    r = await cli(['user', 'add', 'Kim@example.test', '--password-stdin', '--quota', '10M'], 'hunter2\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match((await cli(['user', 'list'])).stdout, /^kim@example\.test\t0\t10 MiB$/m);
    // The domain's first account gets postmaster@ (RFC 5321 §4.5.1), until told otherwise.
    assert.match(r.stdout, /postmaster@example\.test goes to kim@example\.test/);
    assert.match((await cli(['alias', 'list'])).stdout, /postmaster@example\.test\s+kim@example\.test/);
    // Adding it again, as the README's example does, succeeds and changes nothing.
    assert.equal((await cli(['alias', 'add', 'postmaster@example.test', 'kim@example.test'])).code, 0);
    assert.equal((await cli(['alias', 'list'])).stdout.match(/^postmaster@/gm)?.length, 1);
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    assert.equal((await client.send('a@remote.test', ['kim@example.test'], 'Subject: hi\r\n\r\nhi\r\n')).final?.code, 250);
    client.close();
    assert.equal((await t.maildir('kim@example.test')).length, 1);
    const acc = await t.server.services.directory.getAccount('kim@example.test');
    assert.match(acc!.passwordHash, /^\$argon2id\$v=19\$/);
  });

  it('never takes a password as an argument, and refuses to run without one', async () => {
    const r = await cli(['user', 'add', 'x@example.test', 'secret']);
    assert.notEqual(r.code, 0);
    const r2 = await cli(['user', 'add', 'x@example.test']);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /--password-stdin/);
  });

  it('imports a Dovecot hash, changes passwords, quota, and removes users', async () => {
    const hash = '{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/';
    let r = await cli(['user', 'add', 'old@example.test', '--password-hash', hash]);
    assert.equal(r.code, 0, r.stderr);
    r = await cli(['user', 'add', 'bad@example.test', '--password-hash', '{PLAIN}x']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unsupported hash/);
    assert.equal((await cli(['user', 'passwd', 'old@example.test', '--password-stdin'], 'new\n')).code, 0);
    r = await cli(['user', 'quota', 'old@example.test', '1G']);
    assert.match(r.stdout, /0 used of 1\.0 GiB/);
    r = await cli(['user', 'remove', 'old@example.test', '--purge']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch((await cli(['user', 'list'])).stdout, /old@/);
  });

  it('manages aliases, including catch-all and several destinations', async () => {
    assert.equal((await cli(['alias', 'add', 'team@example.test', 'kim@example.test', 'ext@other.test'])).code, 0);
    assert.equal((await cli(['alias', 'add', '@example.test', 'kim@example.test'])).code, 0);
    const list = (await cli(['alias', 'list'])).stdout;
    assert.match(list, /^team@example\.test\tkim@example\.test$/m);
    assert.match(list, /^team@example\.test\text@other\.test$/m);
    assert.match(list, /^@example\.test\tkim@example\.test$/m);
    assert.equal((await cli(['alias', 'remove', 'team@example.test', 'ext@other.test'])).code, 0);
    assert.doesNotMatch((await cli(['alias', 'list'])).stdout, /ext@other/);
    const r = await cli(['alias', 'add', 'x@nothosted.test', 'kim@example.test']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no such domain/);
  });

  it('refuses to remove a domain that still has accounts', async () => {
    const r = await cli(['domain', 'remove', 'example.test']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /still has 1 account/);
  });

  it('init writes a commented config that loads as the defaults', async () => {
    const file = path.join(dir, 'init.toml');
    assert.equal((await runCli(['init', '--config', file])).code, 0);
    const text = await readFile(file, 'utf8');
    assert.match(text, /^\[smtp\]$/m);
    assert.match(text, /^# port = 25$/m);
    assert.notEqual((await runCli(['init', '--config', file])).code, 0, 'does not overwrite');
  });

  it('stops on a config error naming the file, line, key and what is allowed', async () => {
    const file = path.join(dir, 'bad.toml');
    await writeFile(file, 'hostname = "mx.test"\n[smtp]\nprot = 25\n');
    let r = await runCli(['serve', '--config', file, '--data', dir]);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /bad\.toml:3: unknown key "smtp\.prot"; allowed here: enabled, host, port/);
    await writeFile(file, '[limits]\nmax_recipients = 0\n');
    r = await runCli(['serve', '--config', file, '--data', dir]);
    assert.match(r.stderr, /bad\.toml:2: "limits\.max_recipients": Too small/);
  });

  it('explains a port that is in use', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const file = path.join(dir, 'busy.toml');
    await writeFile(file, `[smtp]\nhost = "127.0.0.1"\nport = ${port}\n[log]\nfile = false\n`);
    const r = await runCli(['serve', '--config', file, '--data', dir]);
    blocker.close();
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} for smtp: the address is already in use.*another port in the \\[smtp\\] section`));
  });
});
