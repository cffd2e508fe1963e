// The web listeners: ACME HTTP-01 answers, the MTA-STS policy (RFC 8461 §3.2), Thunderbird
// autoconfig, Outlook autodiscover and the Apple profile, each checked field by field with an
// independent parser (Python's ElementTree and plistlib), plus limits and headers.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { WebServer } from '../../src/http/web-server.ts';
import { AcmeChallenges } from '../../src/tls/acme-challenges.ts';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { needs } from '../harness/tools.ts';
import { kids, parsePlistWithPython, parseXmlWithPython, textOf, webRequest } from '../harness/web-client.ts';

const OUTLOOK_REQUEST = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>kim@example.test</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

describe('web listener: set-up documents', () => {
  let t: TestServer;
  const https = (path: string, host: string, extra: { method?: string; body?: string } = {}) => webRequest(t.httpsPort, { secure: true, path, host, ...extra });
  const http = (path: string, host: string) => webRequest(t.httpPort, { path, host });
  // What clients are told: the real (ephemeral) ports of this test server.
  const ports = () => ({ imaps: t.imapsPort, imap: t.imapPort, pop3s: t.pop3sPort, pop3: t.pop3Port });

  before(async () => {
    t = await startTestServer({ hostname: 'mx.test.example', mta_sts: { mode: 'enforce', max_age: 86400 } });
    await t.addDomain('example.test');
    await t.addUser('kim@example.test');
  });
  after(async () => t.stop());

  it('answers ACME HTTP-01 challenges from the shared AcmeChallenges on port 80', async () => {
    t.server.acme.setHttp('tok_-123', 'tok_-123.thumbprint');
    const r = await http('/.well-known/acme-challenge/tok_-123', 'mx.test.example');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.equal(r.body, 'tok_-123.thumbprint');
    t.server.acme.deleteHttp('tok_-123');
    assert.equal((await http('/.well-known/acme-challenge/tok_-123', 'mx.test.example')).status, 404);
    assert.equal((await http('/.well-known/acme-challenge/..%2F..%2Fetc', 'mx.test.example')).status, 404);
  });

  it('serves the MTA-STS policy for hosted domains only, over HTTPS, in the RFC 8461 §3.2 format', async () => {
    const r = await https('/.well-known/mta-sts.txt', 'mta-sts.example.test');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    // sts-policy-record: fields "key: value" separated by CRLF; version first.
    const lines = r.body.split('\r\n').filter(Boolean);
    assert.ok(r.body.endsWith('\r\n'));
    for (const l of lines) assert.match(l, /^[a-z_]+: [\x21-\x7e]+$/, l);
    assert.equal(lines[0], 'version: STSv1');
    const fields = Object.fromEntries(lines.map((l) => l.split(': ')));
    assert.deepEqual(fields, { version: 'STSv1', mode: 'enforce', mx: 'mx.test.example', max_age: '86400' });
    assert.equal((await https('/.well-known/mta-sts.txt', 'mta-sts.other.test')).status, 404);
    assert.equal((await https('/.well-known/mta-sts.txt', 'mx.test.example')).status, 404);
    // Over plain HTTP it is not served (senders must not accept it from there): a redirect.
    const plain = await http('/.well-known/mta-sts.txt', 'mta-sts.example.test');
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.location, `https://mta-sts.example.test:${t.httpsPort}/.well-known/mta-sts.txt`);
  });

  it('serves Thunderbird autoconfig at both URLs with what Thunderbird reads', needs('python3'), async () => {
    for (const [get, path, host] of [
      [https, '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=kim%40example.test', 'example.test'],
      [http, '/mail/config-v1.1.xml?emailaddress=kim%40example.test', 'autoconfig.example.test'],
      [https, '/mail/config-v1.1.xml', 'autoconfig.example.test'],
    ] as const) {
      const r = await get(path, host);
      assert.equal(r.status, 200, `${host}${path}`);
      assert.match(String(r.headers['content-type']), /^application\/xml/);
      const doc = await parseXmlWithPython(r.body);
      assert.equal(doc.tag, 'clientConfig');
      assert.equal(doc.attrs.version, '1.1');
      const provider = kids(doc, 'emailProvider')[0];
      assert.equal(provider.attrs.id, 'example.test');
      assert.equal(textOf(provider, 'domain'), 'example.test');
      assert.ok(textOf(provider, 'displayName'));
      const servers = [...kids(provider, 'incomingServer'), ...kids(provider, 'outgoingServer')].map((s) => ({
        kind: s.tag,
        type: s.attrs.type,
        hostname: textOf(s, 'hostname'),
        port: Number(textOf(s, 'port')),
        socketType: textOf(s, 'socketType'),
        authentication: textOf(s, 'authentication'),
        username: textOf(s, 'username'),
      }));
      const common = { hostname: 'mx.test.example', authentication: 'password-cleartext', username: '%EMAILADDRESS%' };
      assert.deepEqual(servers, [
        { kind: 'incomingServer', type: 'imap', port: ports().imaps, socketType: 'SSL', ...common },
        { kind: 'incomingServer', type: 'imap', port: ports().imap, socketType: 'STARTTLS', ...common },
        { kind: 'incomingServer', type: 'pop3', port: ports().pop3s, socketType: 'SSL', ...common },
        { kind: 'incomingServer', type: 'pop3', port: ports().pop3, socketType: 'STARTTLS', ...common },
        { kind: 'outgoingServer', type: 'smtp', port: t.submissionsPort, socketType: 'SSL', ...common },
        { kind: 'outgoingServer', type: 'smtp', port: t.submissionPort, socketType: 'STARTTLS', ...common },
      ]);
    }
    assert.equal((await https('/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=a%40nothosted.test', 'example.test')).status, 404);
    assert.equal((await http('/mail/config-v1.1.xml', 'autoconfig.nothosted.test')).status, 404);
  });

  it('answers Outlook autodiscover POSTs with the outlook response schema', needs('python3'), async () => {
    for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
      const r = await https(path, 'autodiscover.example.test', { method: 'POST', body: OUTLOOK_REQUEST });
      assert.equal(r.status, 200, r.body);
      const doc = await parseXmlWithPython(r.body);
      assert.equal(doc.tag, '{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover');
      const response = kids(doc, 'Response')[0];
      assert.equal(response.tag, '{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}Response');
      const account = kids(response, 'Account')[0];
      assert.equal(textOf(account, 'AccountType'), 'email');
      assert.equal(textOf(account, 'Action'), 'settings');
      const protocols = kids(account, 'Protocol').map((p) => ({
        type: textOf(p, 'Type'),
        server: textOf(p, 'Server'),
        port: Number(textOf(p, 'Port')),
        ssl: textOf(p, 'SSL'),
        encryption: textOf(p, 'Encryption'),
        login: textOf(p, 'LoginName'),
        spa: textOf(p, 'SPA'),
        auth: textOf(p, 'AuthRequired'),
      }));
      const common = { server: 'mx.test.example', ssl: 'on', encryption: 'SSL', login: 'kim@example.test', spa: 'off', auth: 'on' };
      assert.deepEqual(protocols, [
        { type: 'IMAP', port: ports().imaps, ...common },
        { type: 'POP3', port: ports().pop3s, ...common },
        { type: 'SMTP', port: t.submissionsPort, ...common },
      ]);
    }
  });

  it('reads autodiscover requests safely: no DTDs or entities, bounded size, one address', async () => {
    const post = (body: string) => https('/autodiscover/autodiscover.xml', 'autodiscover.example.test', { method: 'POST', body });
    const xxe = `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>`;
    let r = await post(xxe);
    assert.equal(r.status, 400);
    assert.doesNotMatch(r.body, /root:/);
    const laughs = `<!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Autodiscover><Request><EMailAddress>&b;</EMailAddress></Request></Autodiscover>`;
    assert.equal((await post(laughs)).status, 400);
    assert.equal((await post('<Autodiscover><Request></Request></Autodiscover>')).status, 400);
    assert.equal((await post('<Autodiscover><Request><EMailAddress>not an address</EMailAddress></Request></Autodiscover>')).status, 400);
    assert.equal((await post(OUTLOOK_REQUEST.replace('kim@example.test', 'kim@nothosted.test'))).status, 404);
    r = await post(OUTLOOK_REQUEST.replace('<Request>', `<Request><Pad>${'x'.repeat(20_000)}</Pad>`));
    assert.equal(r.status, 413);
    assert.equal((await post(OUTLOOK_REQUEST.replace('outlook/responseschema/2006a', 'mobilesync/responseschema/2006'))).status, 404);
    // Namespace prefixes are fine.
    r = await post('<a:Autodiscover xmlns:a="urn:x"><a:Request><a:EMailAddress>kim@example.test</a:EMailAddress></a:Request></a:Autodiscover>');
    assert.equal(r.status, 200);
  });

  it('offers an Apple .mobileconfig that plistlib loads', needs('python3'), async () => {
    const r = await https('/apple/mobileconfig?email=kim%40example.test', 'mx.test.example');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-apple-aspen-config');
    assert.match(String(r.headers['content-disposition']), /attachment; filename="example\.test\.mobileconfig"/);
    const p = await parsePlistWithPython(r.body);
    assert.equal(p.PayloadType, 'Configuration');
    assert.equal(p.PayloadVersion, 1);
    assert.match(String(p.PayloadUUID), /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    const [mail] = p.PayloadContent as Record<string, unknown>[];
    assert.deepEqual(
      {
        type: mail.PayloadType,
        account: mail.EmailAccountType,
        address: mail.EmailAddress,
        inHost: mail.IncomingMailServerHostName,
        inPort: mail.IncomingMailServerPortNumber,
        inSsl: mail.IncomingMailServerUseSSL,
        inUser: mail.IncomingMailServerUsername,
        outHost: mail.OutgoingMailServerHostName,
        outPort: mail.OutgoingMailServerPortNumber,
        outSsl: mail.OutgoingMailServerUseSSL,
        outUser: mail.OutgoingMailServerUsername,
        same: mail.OutgoingPasswordSameAsIncomingPassword,
      },
      { type: 'com.apple.mail.managed', account: 'EmailTypeIMAP', address: 'kim@example.test', inHost: 'mx.test.example', inPort: t.imapsPort, inSsl: true, inUser: 'kim@example.test', outHost: 'mx.test.example', outPort: t.submissionsPort, outSsl: true, outUser: 'kim@example.test', same: true },
    );
    // The same download twice is the same profile (installing again replaces it).
    assert.equal((await https('/apple/mobileconfig?email=kim%40example.test', 'mx.test.example')).body, r.body);
    assert.equal((await https('/apple/mobileconfig?email=bad', 'mx.test.example')).status, 400);
    assert.equal((await https('/apple/mobileconfig?email=x%40nothosted.test', 'mx.test.example')).status, 404);
  });

  it('sends security headers, redirects plain HTTP to names we serve, and limits request heads', async () => {
    const r = await https('/nothing', 'mx.test.example');
    assert.equal(r.status, 404);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(r.headers['strict-transport-security'], undefined, 'no HSTS with a self-signed certificate');
    let p = await http('/some/page?x=1', 'autoconfig.example.test');
    assert.equal(p.status, 301);
    assert.equal(p.headers.location, `https://autoconfig.example.test:${t.httpsPort}/some/page?x=1`);
    p = await http('/x', 'evil.example');
    assert.equal(p.headers.location, `https://mx.test.example:${t.httpsPort}/x`);
    assert.equal((await webRequest(t.httpPort, { path: '/x', method: 'POST', body: 'x' })).status, 404);
    const big = await webRequest(t.httpPort, { path: '/x', headers: { 'x-big': 'a'.repeat(10_000) } });
    assert.equal(big.status, 431);
  });
});

describe('web listener: one log line per request', () => {
  it('logs method, path (no query), status, host and a request id', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
    const s = new WebServer({
      hostname: 'mx.test.example',
      directory: { hasDomain: async (d) => d === 'example.test' },
      acme: new AcmeChallenges(),
      endpoints: () => [],
      mtaStsPolicy: () => null,
      httpsPort: () => 443,
      hsts: () => true,
      log: pino({ level: 'info' }, sink),
    });
    const { port } = await s.listen({ host: '127.0.0.1', port: 0 });
    try {
      await webRequest(port, { path: '/mail/config-v1.1.xml?emailaddress=secret%40example.test', host: 'autoconfig.example.test' });
      const line = lines.find((l) => l.event === 'http.request');
      assert.ok(line);
      assert.equal(line.method, 'GET');
      assert.equal(line.path, '/mail/config-v1.1.xml');
      assert.equal(line.status, 200);
      assert.equal(line.host, 'autoconfig.example.test');
      assert.match(String(line.rid), /^[0-9A-Z]{16}$/);
      assert.doesNotMatch(JSON.stringify(line), /secret/);
    } finally {
      await s.close();
    }
  });
});

describe('web listener: certificates change without a restart', () => {
  it('presents the new certificate to new connections after onChange', async () => {
    const make = async (cn: string) => {
      const p = await generate([{ name: 'commonName', value: cn }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
      return { key: p.private, cert: p.cert };
    };
    let current = await make('first.test');
    const next = await make('second.test');
    let notify = () => {};
    const s = new WebServer({
      hostname: 'mx.test.example',
      directory: { hasDomain: async () => false },
      acme: new AcmeChallenges(),
      endpoints: () => [],
      mtaStsPolicy: () => null,
      httpsPort: () => 443,
      hsts: () => false,
      log: pino({ level: 'silent' }),
      tls: { serverOptions: () => current, onChange: (fn) => ((notify = fn), () => (notify = () => {})) },
    });
    const { port } = await s.listen({ host: '127.0.0.1', port: 0 });
    const subject = () =>
      new Promise<string>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(String(c.getPeerCertificate().subject.CN));
          c.end();
        });
        c.on('error', reject);
      });
    try {
      assert.equal(await subject(), 'first.test');
      current = next;
      notify();
      assert.equal(await subject(), 'second.test');
      // TLS 1.1 is refused by the server: the client is allowed it (security level 0), so the
      // refusal cannot come from the client's own defaults.
      await assert.rejects(
        new Promise((resolve, reject) => {
          const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => resolve(c.end()));
          c.on('error', reject);
        }),
        /alert|protocol version|wrong version/i,
      );
    } finally {
      await s.close();
    }
  });
});
