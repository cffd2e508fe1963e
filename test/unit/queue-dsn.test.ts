// RFC 3464 reports: structure, RET handling, status codes; the retry schedule; MX answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDsn, headerBlock, statusOf } from '../../src/queue/dsn.ts';
import { lookupMx } from '../../src/queue/mx.ts';
import { wants } from '../../src/queue/notices.ts';
import { afterTemporaryFailure, backoffMs, delayNoticeDue, type RetryPolicy } from '../../src/queue/retry.ts';
import type { Resolver } from '../../src/dns/resolver.ts';

const original = Buffer.from('From: a@x.test\r\nSubject: hi\r\n\r\nbody text\r\n');
const rcpt = { address: 'b@y.test', orcpt: 'rfc822;B@y.test', action: 'failed' as const, status: '5.1.1', remoteMta: 'mx.y.test', diagnostic: '550 5.1.1 no such user', diagnosticType: 'smtp' as const, lastAttempt: new Date(0), willRetryUntil: null };

test('a failure report is multipart/report with a delivery-status part and the original', () => {
  const d = buildDsn({ reportingMta: 'mx.x.test', to: 'a@x.test', envid: 'E+1', ret: null, arrival: new Date(0), original, recipients: [rcpt], queueId: 'Q1', maxReturnSize: 1e6 }).toString();
  const boundary = /boundary="([^"]+)"/.exec(d)![1];
  const parts = d.split(`--${boundary}`);
  assert.equal(parts.length, 5, 'preamble, three parts, epilogue');
  assert.match(parts[2], /^\r\nContent-Description: Delivery report\r\nContent-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mx\.x\.test\r\n/);
  assert.match(parts[2], /\r\n\r\nOriginal-Recipient: rfc822;B@y\.test\r\nFinal-Recipient: rfc822; b@y\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.y\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1 no such user\r\n/);
  assert.match(parts[2], /Original-Envelope-Id: E\+1\r\n/);
  assert.match(parts[3], /Content-Type: message\/rfc822\r\n\r\nFrom: a@x\.test\r\nSubject: hi\r\n\r\nbody text\r\n/);
  assert.match(parts[4], /^--\r\n$/);
  assert.match(d, /^From: Mail Delivery System <MAILER-DAEMON@mx\.x\.test>\r\nTo: <a@x\.test>\r\nSubject: Undelivered Mail Returned to Sender\r\n/);
});

test('RET=HDRS, delay notices and oversized messages return the header only', () => {
  for (const [ret, action, max] of [['HDRS', 'failed', 1e6], [null, 'delayed', 1e6], [null, 'failed', 10]] as const) {
    const d = buildDsn({ reportingMta: 'm', to: 'a@x.test', envid: null, ret, arrival: new Date(0), original, recipients: [{ ...rcpt, action }], queueId: 'Q', maxReturnSize: max }).toString();
    assert.match(d, /Content-Type: text\/rfc822-headers\r\n\r\nFrom: a@x\.test\r\nSubject: hi\r\n\r\n--/);
    assert.ok(!d.includes('body text'));
  }
  assert.equal(headerBlock(Buffer.from('A: b\n\nbody')).toString(), 'A: b\n');
});

test('status codes come from the enhanced code of the reply, else from the basic one', () => {
  assert.equal(statusOf(550, '550 5.7.1 rejected', '5.0.0'), '5.7.1');
  assert.equal(statusOf(550, '550 no', '5.0.0'), '5.0.0');
  assert.equal(statusOf(451, '451 try later', '4.0.0'), '4.0.0');
  assert.equal(statusOf(null, 'ECONNREFUSED', '4.4.1'), '4.4.1');
});

test('backoff grows, is capped, and never passes the expiry', () => {
  const p: RetryPolicy = { initialMs: 300_000, factor: 2, maxMs: 4 * 3600_000, lifetimeMs: 5 * 86_400_000, delayNoticeMs: 4 * 3600_000 };
  assert.deepEqual([1, 2, 3, 4, 7, 20].map((n) => backoffMs(p, n) / 60_000), [5, 10, 20, 40, 240, 240]);
  assert.deepEqual(afterTemporaryFailure(p, 0, 1, 1000), { kind: 'retry', at: 301_000 });
  assert.deepEqual(afterTemporaryFailure(p, 0, 30, p.lifetimeMs - 1000), { kind: 'retry', at: p.lifetimeMs });
  assert.deepEqual(afterTemporaryFailure(p, 0, 30, p.lifetimeMs), { kind: 'expire' });
  assert.equal(delayNoticeDue(p, 0, false, p.delayNoticeMs - 1), false);
  assert.equal(delayNoticeDue(p, 0, false, p.delayNoticeMs), true);
  assert.equal(delayNoticeDue(p, 0, true, p.delayNoticeMs), false);
  assert.equal(delayNoticeDue({ ...p, delayNoticeMs: 0 }, 0, false, 1e12), false);
});

const err = (code: string) => Object.assign(new Error(code), { code });
function resolver(mx: Record<string, { exchange: string; priority: number }[] | string>, a: Record<string, string[]> = {}): Resolver {
  const r = (v: unknown) => (typeof v === 'string' ? Promise.reject(err(v)) : v ? Promise.resolve(v) : Promise.reject(err('ENOTFOUND')));
  return {
    resolveMx: async (n: string) => r(mx[n]) as Promise<{ exchange: string; priority: number }[]>,
    resolve4: async (n: string) => r(a[n]) as Promise<string[]>,
    resolve6: async () => Promise.reject(err('ENODATA')),
  } as unknown as Resolver;
}

test('MX answers: preference order, null MX, implicit MX, NXDOMAIN, temporary failures', async () => {
  const got = await lookupMx(resolver({ d: [{ exchange: 'b', priority: 20 }, { exchange: 'A.', priority: 10 }] }), 'd');
  assert.deepEqual(got, { kind: 'hosts', hosts: [{ name: 'a', priority: 10 }, { name: 'b', priority: 20 }] });
  assert.equal(((await lookupMx(resolver({ d: [{ exchange: '', priority: 0 }] }), 'd')) as { status: string }).status, '5.1.10');
  assert.deepEqual(await lookupMx(resolver({ d: 'ENODATA' }, { d: ['192.0.2.1'] }), 'd'), { kind: 'hosts', hosts: [{ name: 'd', priority: 0 }] });
  assert.equal(((await lookupMx(resolver({ d: 'ENODATA' }), 'd')) as { kind: string }).kind, 'permanent');
  assert.equal(((await lookupMx(resolver({}), 'd')) as { status: string }).status, '5.1.2');
  assert.equal((await lookupMx(resolver({ d: 'ESERVFAIL' }), 'd')).kind, 'temporary');
  assert.equal((await lookupMx(resolver({ d: 'ETIMEOUT' }), 'd')).kind, 'temporary');
});

test('NOTIFY: absent means FAILURE and DELAY; NEVER means nothing (RFC 3461 §4.1)', () => {
  assert.deepEqual((['FAILURE', 'DELAY', 'SUCCESS'] as const).map((k) => wants(null, k)), [true, true, false]);
  assert.deepEqual((['FAILURE', 'DELAY', 'SUCCESS'] as const).map((k) => wants('NEVER', k)), [false, false, false]);
  assert.deepEqual((['FAILURE', 'DELAY', 'SUCCESS'] as const).map((k) => wants('SUCCESS,DELAY', k)), [false, true, true]);
});
