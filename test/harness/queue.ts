// Helpers for outbound-queue tests: waiting for a condition without fixed sleeps, and a
// minimal message.
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function testMessage(from: string, to: string, subject: string, body = 'hello\r\n'): Buffer {
  return Buffer.from(
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@test>\r\nDate: ${new Date().toUTCString()}\r\n\r\n${body}`,
  );
}
