// Real mail programs submit on 587 (STARTTLS) and 465 (implicit TLS): swaks, nodemailer and
// Python's smtplib, AUTH PLAIN and LOGIN. The delivered copy carries an RSA and an Ed25519
// DKIM signature that mailauth verifies against the loopback DNS server publishing our keys,
// and SPF and DMARC pass as the test zone says.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticate } from 'mailauth';
import nodemailer from 'nodemailer';
import { DkimKeyStore } from '../../src/dkim/key-store.ts';
import { mailauthResolver } from '../../src/dns/mailauth-resolver.ts';
import { createResolver } from '../../src/dns/resolver.ts';
import { startDnsServer, type TestDns } from '../harness/dns-server.ts';
import { captureLog, type Captured } from '../harness/log-capture.ts';
import { waitFor } from '../harness/queue.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs, run } from '../harness/tools.ts';

describe('submission with real clients', () => {
  let t: TestServer;
  let dns: TestDns;
  let logs: Captured;

  before(async () => {
    dns = await startDnsServer({});
    logs = captureLog();
    t = await startTestServer({ dns: { servers: [dns.server] } }, undefined, { log: logs.log });
    await t.addDomain('send.test');
    await t.addUser('ann@send.test', { password: 'ann-secret' });
    await t.addUser('bob@send.test');
    const keys = new DkimKeyStore(path.join(t.dataDir, 'dkim'));
    keys.ensure('send.test');
    const zone: Record<string, { type: 'TXT'; data: string }[]> = {
      'send.test': [{ type: 'TXT', data: 'v=spf1 ip4:127.0.0.1 -all' }],
      '_dmarc.send.test': [{ type: 'TXT', data: 'v=DMARC1; p=reject' }],
    };
    for (const k of keys.list('send.test')) zone[`${k.selector}._domainkey.send.test`] = [{ type: 'TXT', data: keys.dnsRecord('send.test', k.selector) }];
    dns.zone = zone;
  });
  after(async () => {
    await t.stop();
    await dns.close();
  });

  /** The copy in bob's INBOX with this subject, verified as a receiving MX would. */
  async function verifyDelivered(subject: string) {
    // Local recipients go through the queue: the copy lands moments after the 250.
    const f = await waitFor(`message "${subject}" delivered`, async () => (await t.maildir('bob@send.test')).find((x) => x.content.includes(`Subject: ${subject}`)));
    const raw = Buffer.from(f.content, 'latin1');
    const res = await authenticate(raw, {
      ip: '127.0.0.1',
      helo: 'mx.test.example',
      sender: 'ann@send.test',
      mta: 'verifier.test',
      resolver: mailauthResolver(createResolver({ servers: [dns.server] })),
      disableBimi: true,
    });
    const dkim = res.dkim.results.map((r) => `${r.signingDomain}:${r.status.result}:${r.algo}`).sort();
    assert.deepEqual(dkim, ['send.test:pass:ed25519-sha256', 'send.test:pass:rsa-sha256'], res.headers);
    assert.match(f.content, /h=from:from:/, 'From is oversigned');
    assert.equal(res.spf && res.spf.status.result, 'pass');
    assert.equal(res.dmarc && res.dmarc.status.result, 'pass');
    assert.match(f.content, /^Received: by mx\.test\.example \(Mailhaven\) with ESMTPSA id /m);
    assert.doesNotMatch(f.content.split('\r\n\r\n')[0], /127\.0\.0\.1/, 'the client IP stays out of the headers');
    assert.match(f.content, /^Message-ID: </im);
    assert.match(f.content, /^Date: /im);
    return f.content;
  }

  it('swaks: AUTH PLAIN after STARTTLS on 587, and on 465 with implicit TLS', needs('swaks'), async () => {
    const base = ['--server', '127.0.0.1', '--from', 'ann@send.test', '--to', 'bob@send.test', '--auth-user', 'ann@send.test', '--auth-password', 'ann-secret'];
    let r = await run('swaks', [...base, '--port', String(t.submissionPort), '--tls', '--auth', 'PLAIN', '--header', 'Subject: swaks 587']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<~ {2}235 /);
    assert.match(r.stdout, /<- {2}250-DSN/);
    r = await run('swaks', [...base, '--port', String(t.submissionsPort), '--tls-on-connect', '--auth', 'LOGIN', '--header', 'Subject: swaks 465']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await verifyDelivered('swaks 587');
    await verifyDelivered('swaks 465');
  });

  it('nodemailer: requireTLS on 587 and secure on 465, DSN parameters accepted', async () => {
    for (const [port, secure, subject] of [[t.submissionPort, false, 'nodemailer 587'], [t.submissionsPort, true, 'nodemailer 465']] as const) {
      const tr = nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        secure,
        requireTLS: !secure,
        auth: { user: 'ann@send.test', pass: 'ann-secret' },
        tls: { rejectUnauthorized: false },
      });
      const info = await tr.sendMail({
        from: 'Ann <ann@send.test>',
        to: 'bob@send.test',
        subject,
        text: 'hello from nodemailer',
        dsn: { id: 'env-42', return: 'headers', notify: ['failure', 'delay'], recipient: 'ann@send.test' },
      });
      tr.close();
      assert.match(info.response, /^250 .*queued as/);
    }
    await verifyDelivered('nodemailer 587');
    await verifyDelivered('nodemailer 465');
    const accepted = logs.events('message.accepted').filter((l) => l.svc === 'submission' || l.svc === 'submissions');
    assert.ok(accepted.length >= 2);
    for (const l of accepted) {
      assert.equal(l.user, 'ann@send.test');
      assert.ok(typeof l.sid === 'string' && typeof l.id === 'string' && typeof l.queueId === 'string');
    }
  });

  it("Python's smtplib: STARTTLS + PLAIN on 587, SMTP_SSL + LOGIN on 465", needs('python3'), async () => {
    const script = `
import smtplib, ssl, sys
from email.message import EmailMessage
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def msg(subject):
    m = EmailMessage(); m['From'] = 'ann@send.test'; m['To'] = 'bob@send.test'; m['Subject'] = subject
    m.set_content('hello from python'); return m
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    s.ehlo('python.test')
    s.starttls(context=ctx)
    s.ehlo('python.test')
    assert 'PLAIN' in s.esmtp_features['auth'], s.esmtp_features
    s.login('ann@send.test', 'ann-secret')
    s.send_message(msg('python 587'))
with smtplib.SMTP_SSL('127.0.0.1', int(sys.argv[2]), context=ctx) as s:
    s.ehlo('python.test')
    s.user, s.password = 'ann@send.test', 'ann-secret'
    code, _ = s.auth('LOGIN', s.auth_login, initial_response_ok=False)
    assert code == 235, code
    s.send_message(msg('python 465'))
print('ok')
`;
    const r = await run('python3', ['-c', script, String(t.submissionPort), String(t.submissionsPort)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await verifyDelivered('python 587');
    await verifyDelivered('python 465');
  });
});
