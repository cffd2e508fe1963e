// The whole sending path between two Mailhaven instances, as issue 7 asks: a mail program
// submits to A (swaks, nodemailer, Python's smtplib), A signs with DKIM and queues, finds B by
// MX through the loopback DNS, delivers over STARTTLS; B checks SPF, DKIM and DMARC against
// the same DNS and files the message with an Authentication-Results header that says pass.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { DkimKeyStore } from '../../src/dkim/key-store.ts';
import { startDnsServer, type TestDns, type Zone } from '../harness/dns-server.ts';
import { waitFor } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

describe('submission on A, delivery to B, authentication checked by B', () => {
  let dns: TestDns;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    dns = await startDnsServer({});
    b = await startTestServer({ hostname: 'mx.b.test', dns: { servers: [dns.server] }, mail_auth: { enabled: true } });
    await b.addDomain('b.test');
    await b.addUser('bob@b.test');
    a = await startTestServer({
      hostname: 'mx.a.test',
      dns: { servers: [dns.server], timeout: 500 },
      queue: { port: b.smtpPort, retry_initial: 0.3, poll_interval: 0.1, connect_timeout: 2 },
    });
    await a.addDomain('a.test');
    await a.addUser('ann@a.test', { password: 'ann-secret' });
    // What `mailhaven dns records a.test` would have the operator publish.
    const keys = new DkimKeyStore(path.join(a.dataDir, 'dkim'));
    keys.ensure('a.test');
    const zone: Zone = {
      'a.test': [
        { type: 'MX', exchange: 'mx.a.test', priority: 10 },
        { type: 'TXT', data: 'v=spf1 mx -all' },
      ],
      'mx.a.test': [{ type: 'A', address: '127.0.0.1' }],
      '_dmarc.a.test': [{ type: 'TXT', data: 'v=DMARC1; p=reject' }],
      'b.test': [{ type: 'MX', exchange: 'mx.b.test', priority: 10 }],
      'mx.b.test': [{ type: 'A', address: '127.0.0.1' }],
      '1.0.0.127.in-addr.arpa': [{ type: 'PTR', domain: 'mx.a.test' }],
    };
    for (const k of keys.list('a.test')) zone[`${k.selector}._domainkey.a.test`] = [{ type: 'TXT', data: keys.dnsRecord('a.test', k.selector) }];
    dns.zone = zone;
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await dns.close();
  }, { timeout: 30_000 });

  /** Bob's copy with this subject, once B has it; its header checked as a receiving MX sees it. */
  async function arrivedOnB(subject: string): Promise<string> {
    const f = await waitFor(`"${subject}" on B`, async () => (await b.maildir('bob@b.test')).find((x) => x.content.includes(`Subject: ${subject}`)), 15_000);
    const header = f.content.split('\r\n\r\n')[0];
    const ar = /^Authentication-Results: mx\.b\.test;[^]*?(?=\r\n\S)/m.exec(header)?.[0] ?? '';
    assert.match(ar, /dkim=pass header\.i=@a\.test [^;]*header\.a=rsa-sha256/, ar);
    assert.match(ar, /dkim=pass header\.i=@a\.test [^;]*header\.a=ed25519-sha256/, ar);
    assert.match(ar, /spf=pass [^;]*smtp\.mailfrom=ann@a\.test/, ar);
    assert.match(ar, /dmarc=pass[^;]*header\.from=a\.test/, ar);
    assert.match(header, /^DKIM-Signature: .*a=ed25519-sha256/m);
    assert.match(header, /^DKIM-Signature: .*a=rsa-sha256/m);
    assert.match(header, /^Received: from mx\.a\.test /m, 'A relayed it');
    return f.content;
  }

  it('nodemailer on 587 with STARTTLS', async () => {
    const tx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: a.submissionPort,
      requireTLS: true,
      auth: { user: 'ann@a.test', pass: 'ann-secret' },
      tls: { rejectUnauthorized: false },
    });
    await tx.sendMail({ from: 'Ann <ann@a.test>', to: 'bob@b.test', subject: 'via nodemailer', text: 'hello B' });
    tx.close();
    assert.match(await arrivedOnB('via nodemailer'), /hello B/);
  });

  it('swaks on 465 with implicit TLS', needs('swaks'), async () => {
    const r = await run('swaks', [
      '--server', '127.0.0.1', '--port', String(a.submissionsPort), '--tlsc',
      '--auth', 'PLAIN', '--auth-user', 'ann@a.test', '--auth-password', 'ann-secret',
      '--from', 'ann@a.test', '--to', 'bob@b.test', '--header', 'Subject: via swaks', '--body', 'swaks body',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await arrivedOnB('via swaks');
  });

  it("Python's smtplib on 587", async () => {
    const script = [
      'import smtplib, ssl, sys',
      'ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE',
      `s = smtplib.SMTP("127.0.0.1", ${a.submissionPort}, timeout=20)`,
      's.starttls(context=ctx)',
      's.login("ann@a.test", "ann-secret")',
      's.sendmail("ann@a.test", ["bob@b.test"], b"From: ann@a.test\\r\\nTo: bob@b.test\\r\\nSubject: via smtplib\\r\\n\\r\\nfrom python\\r\\n")',
      's.quit()',
    ].join('\n');
    const r = await run('python3', ['-c', script]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await arrivedOnB('via smtplib');
  });
});
