// Who may send us what: no open relay (the classic tricks), unknown users, limits, and the
// SMTP smuggling variants; each with the exact reply a mail admin expects.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../harness/server.ts';
import { RawSmtp } from '../harness/smtp-client.ts';

describe('SMTP policy', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ hostname: 'mail.ours.test', limits: { max_recipients: 5, max_message_size: 100_000, max_bad_commands: 20, max_data_line_length: 2000 } });
    await t.addDomain('ours.test');
    await t.addUser('user@ours.test');
  });
  after(() => t.stop());

  /** A connection past EHLO. */
  const greeted = async (): Promise<RawSmtp> => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO client.test');
    return client;
  };
  /** A connection past MAIL FROM. */
  const session = async () => {
    const client = await greeted();
    assert.equal((await client.cmd('MAIL FROM:<a@remote.test>')).code, 250);
    return client;
  };

  it('accepts <postmaster> without a domain (RFC 5321 §4.1.1.3), and long return paths (SRS, VERP)', async () => {
    await t.addAlias('postmaster@ours.test', 'user@ours.test');
    const c = await session();
    assert.equal((await c.cmd('RCPT TO:<PostMaster>')).code, 250);
    c.close();
    const client = await greeted();
    const srs = `SRS0=HHH=TT=${'a'.repeat(40)}.example=${'b'.repeat(30)}@forwarder.test`; // 95-octet local part
    assert.equal((await client.cmd(`MAIL FROM:<${srs}>`)).code, 250);
    assert.equal((await client.cmd('RCPT TO:<user@ours.test>')).code, 250);
    assert.equal((await client.cmd(`RCPT TO:<${'c'.repeat(65)}@ours.test>`)).code, 501, 'a recipient keeps the 64-octet limit');
    client.close();
  });

  it('takes a quoted local part with a space (RFC 5321 §4.1.2), and looks it up as it is', async () => {
    const client = await greeted();
    assert.equal((await client.cmd('MAIL FROM:<"a b"@remote.test> BODY=8BITMIME')).code, 250);
    const r = await client.cmd('RCPT TO:<"no such user"@ours.test>');
    assert.equal(r.code, 550);
    assert.match(r.text, /^5\.1\.1 /);
    assert.equal((await client.cmd('RCPT TO:<user@ours.test>')).code, 250);
    client.close();
  });

  it('replies in ASCII: an IDN echoed as its A-label, bytes that are not UTF-8 refused', async () => {
    const c = await session();
    const r = await c.cmd('RCPT TO:<alice@xn--9ca.test>');
    assert.equal(r.code, 554);
    assert.match(r.text, /<alice@xn--9ca\.test>: Relay access denied/);
    c.write(Buffer.concat([Buffer.from('RCPT TO:<'), Buffer.from([0xe9]), Buffer.from('@ours.test>\r\n')]));
    const bad = await c.read();
    assert.equal(bad.code, 501);
    assert.match(bad.text, /invalid UTF-8/);
    assert.ok(/^[\x20-\x7e]*$/.test(bad.text), bad.text);
    c.close();
  });

  it('answers 555 to a MAIL or RCPT parameter it does not implement (RFC 5321 §4.1.1.11), 501 to DATA or RSET with one', async () => {
    const client = await greeted();
    const r = await client.cmd('MAIL FROM:<a@remote.test> FOO=BAR');
    assert.equal(r.code, 555);
    assert.match(r.text, /^5\.5\.4 .*FOO/);
    assert.equal((await client.cmd('MAIL FROM:<a@remote.test> BODY=8BITMIME SIZE=100')).code, 250);
    assert.equal((await client.cmd('RCPT TO:<user@ours.test> XTRA=1')).code, 555);
    assert.equal((await client.cmd('RCPT TO:<user@ours.test> NOTIFY=NEVER')).code, 250);
    // DATA and RSET take no arguments (§4.1.1.4, §4.1.1.5): "DATA x" must not start a message.
    const data = await client.cmd('DATA x');
    assert.equal(data.code, 501);
    assert.match(data.text, /^5\.5\.4 Syntax: DATA/);
    assert.equal((await client.cmd('RSET now')).code, 501);
    assert.equal((await client.cmd('RSET')).code, 250);
    client.close();
  });

  it('refuses relaying to other domains with 554 5.7.1', async () => {
    const c = await session();
    const r = await c.cmd('RCPT TO:<victim@other.test>');
    assert.equal(r.code, 554);
    assert.match(r.text, /^5\.7\.1 /);
    c.close();
  });

  for (const [trick, expect] of [
    ['user%other.test@ours.test', 550],
    ['other.test!user@ours.test', 550],
    ['"user@other.test"@ours.test', 501],
    ['@ours.test:user@other.test', 554],
    ['@ours.test,@ours.test:victim@other.test', 554],
    ['user@other.test@ours.test', 501],
    ['user@[127.0.0.1]', 554],
  ] as const) {
    it(`relay trick <${trick}> → ${expect}`, async () => {
      const c = await session();
      const r = await c.cmd(`RCPT TO:<${trick}>`);
      assert.equal(r.code, expect, `${r.code} ${r.text}`);
      if (expect === 501) assert.match(r.text, /^5\.1\.3 /);
      if (expect === 550) assert.match(r.text, /^5\.1\.1 /);
      if (expect === 554) assert.match(r.text, /^5\.7\.1 /);
      c.close();
    });
  }

  it('unknown local user gets 550 5.1.1 at RCPT', async () => {
    const c = await session();
    const r = await c.cmd('RCPT TO:<nobody@ours.test>');
    assert.equal(r.code, 550);
    assert.match(r.text, /^5\.1\.1 .*User unknown/);
    c.close();
  });

  it('limits recipients per message with 452 4.5.3', async () => {
    const c = await session();
    for (let i = 0; i < 5; i++) assert.equal((await c.cmd('RCPT TO:<user@ours.test>')).code, 250);
    const r = await c.cmd('RCPT TO:<user@ours.test>');
    assert.equal(r.code, 452);
    assert.match(r.text, /^4\.5\.3 /);
    c.close();
  });

  it('refuses oversize messages with 552 (SIZE and actual bytes)', async () => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    await client.cmd('EHLO c');
    const declared = await client.cmd('MAIL FROM:<a@remote.test> SIZE=200000');
    assert.equal(declared.code, 552);
    const before = (await t.maildir('user@ours.test')).length;
    const big = 'Subject: big\r\n\r\n' + ('x'.repeat(998) + '\r\n').repeat(120);
    const r = await client.send('a@remote.test', ['user@ours.test'], big);
    assert.equal(r.final?.code, 552);
    assert.equal((await t.maildir('user@ours.test')).length, before);
    assert.equal((await client.cmd('NOOP')).code, 250, 'session goes on');
    client.close();
  });

  it('refuses lines longer than the limit inside a message', async () => {
    const c = await session();
    assert.equal((await c.cmd('RCPT TO:<user@ours.test>')).code, 250);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write('Subject: long\r\n\r\n' + 'y'.repeat(3000) + '\r\n.\r\n');
    const r = await c.read();
    assert.equal(r.code, 552);
    c.close();
  });

  for (const [name, payload] of [
    ['LF.LF', '\n.\n'],
    ['LF.CRLF', '\n.\r\n'],
    ['CRLF.LF', '\r\n.\n'],
    ['CR.CR', '\r.\r'],
    ['CRLF.CR', '\r\n.\r'],
  ] as const) {
    it(`SMTP smuggling variant ${name} does not end the message and refuses it`, async () => {
      const before = (await t.maildir('user@ours.test')).length;
      const c = await session();
      assert.equal((await c.cmd('RCPT TO:<user@ours.test>')).code, 250);
      assert.equal((await c.cmd('DATA')).code, 354);
      c.write(`Subject: smuggle\r\n\r\nfirst${payload}MAIL FROM:<admin@ours.test>\r\nRCPT TO:<user@ours.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n`);
      const r = await c.read();
      assert.equal(r.code, 550, `${r.code} ${r.text}`);
      assert.match(r.text, /smuggling/);
      // The smuggled commands were message content, not commands: no further replies queued.
      assert.equal((await c.cmd('NOOP')).code, 250);
      c.close();
      assert.equal((await t.maildir('user@ours.test')).length, before);
    });
  }

  it('stores bare LF line endings as CRLF', async () => {
    const c = await session();
    assert.equal((await c.cmd('RCPT TO:<user@ours.test>')).code, 250);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write('Subject: bare-lf\nX-Test: 1\n\nline one\nline two\r\n.\r\n');
    assert.equal((await c.read()).code, 250);
    c.close();
    const f = (await t.maildir('user@ours.test')).find((x) => x.content.includes('bare-lf'))!;
    assert.ok(!/[^\r]\n/.test(f.content), 'every LF is preceded by CR');
  });

  it('closes the connection after too many bad commands', async () => {
    const t2 = await startTestServer({ limits: { max_bad_commands: 3 } });
    await t2.addDomain('ours.test');
    const { client } = await RawSmtp.connect(t2.smtpPort);
    await client.cmd('EHLO c');
    await client.cmd('MAIL FROM:<a@remote.test>');
    assert.equal((await client.cmd('RCPT TO:<x@elsewhere.test>')).code, 554);
    assert.equal((await client.cmd('RCPT TO:<y@elsewhere.test>')).code, 554);
    const last = await client.cmd('RCPT TO:<z@elsewhere.test>');
    assert.equal(last.code, 421);
    await assert.rejects(client.read());
    await t2.stop();
  });

  it('rejects over-long command lines and MAIL before EHLO', async () => {
    const { client } = await RawSmtp.connect(t.smtpPort);
    assert.equal((await client.cmd('MAIL FROM:<a@remote.test>')).code, 503);
    const r = await client.cmd('EHLO ' + 'a'.repeat(10_000));
    assert.equal(r.code, 421, `${r.code} ${r.text}`);
    assert.match(r.text, /too long/);
    client.close();
  });

  it('closes idle connections after the command timeout', async () => {
    const t3 = await startTestServer({ limits: { command_timeout: 1 } });
    const { client } = await RawSmtp.connect(t3.smtpPort);
    const r = await client.read();
    assert.equal(r.code, 421);
    client.close();
    await t3.stop();
  });
});
