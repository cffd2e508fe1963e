// The STARTTLS command-injection probe for SMTP listeners (25 and 587), shared by the attack
// catalogue files. CVE-2011-0411 and "NO STARTTLS" (Poddebniak et al., USENIX Security 2021).
import assert from 'node:assert/strict';
import { RawLines } from './raw-lines.ts';

/** Reads one whole SMTP reply (the last line has a space after the code). */
const reply = (c: RawLines, ms = 3000) => c.until(/(^|\r\n)\d{3} [^\r]*\r\n/, ms);

/**
 * CVE-2011-0411 and the "NO STARTTLS" study (Poddebniak et al., USENIX Security 2021):
 * "STARTTLS\r\nNOOP\r\n" in one packet. The NOOP was sent in plaintext, so a server must drop
 * it; one that runs it answers inside TLS, where a MITM's command looks authenticated.
 */
export async function smtpStarttlsInjection(port: number, ehloFirst = true): Promise<void> {
  const c = await RawLines.connect(port);
  assert.match(await reply(c), /^220 /);
  if (ehloFirst) {
    c.write('EHLO attacker.test\r\n');
    assert.match(await reply(c), /STARTTLS/);
  }
  c.write('STARTTLS\r\nNOOP\r\nMAIL FROM:<injected@evil.test>\r\n');
  assert.match(await reply(c), /^220 /);
  // No plaintext answer may follow the 220 either (it would be read as TLS bytes).
  await new Promise((r) => setTimeout(r, 150));
  await c.startTls();
  assert.equal(c.leftoverBeforeTls, '', 'nothing after the 220 in plaintext');
  assert.equal(await c.drain(300), '', 'no buffered or injected reply inside TLS');
  c.write('EHLO client.test\r\n');
  const ehlo = await reply(c);
  assert.match(ehlo, /^250[- ]/, 'the first reply inside TLS answers our own command');
  // MAIL after the injected one would be "503 nested MAIL" had the injection run.
  c.write('MAIL FROM:<a@remote.test>\r\n');
  const mail = await reply(c);
  assert.doesNotMatch(mail, /nested|503/);
  c.close();
}

