// The sliding one-hour window of the submission rate limits, per account and per IP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback } from '../../src/core/net.ts';
import { SendRateLimiter } from '../../src/smtp/send-rate-limiter.ts';

describe('SendRateLimiter', () => {
  it('counts messages and recipients per account over the last hour', () => {
    let now = 1_000_000;
    const l = new SendRateLimiter({ accountMessages: 2, accountRecipients: 5, ipMessages: 0, ipRecipients: 0 }, { clock: () => now });
    assert.equal(l.check('a@x', '192.0.2.1', 3), null);
    l.record('a@x', '192.0.2.1', 3);
    assert.deepEqual(l.check('a@x', '192.0.2.1', 3), { scope: 'account', kind: 'recipients', limit: 5 });
    assert.equal(l.check('a@x', '192.0.2.1', 2), null);
    l.record('a@x', '192.0.2.1', 1);
    assert.deepEqual(l.check('a@x', '192.0.2.1', 1), { scope: 'account', kind: 'messages', limit: 2 });
    assert.equal(l.check('b@x', '192.0.2.1', 1), null, 'another account has its own budget');
    now += 3_600_001;
    assert.equal(l.check('a@x', '192.0.2.1', 5), null, 'an hour later the budget is back');
  });

  it('counts per IP across accounts, loopback exempt when asked', () => {
    const l = new SendRateLimiter({ accountMessages: 0, accountRecipients: 0, ipMessages: 1, ipRecipients: 0 }, { exemptIp: isLoopback });
    l.record('a@x', '192.0.2.1', 1);
    assert.deepEqual(l.check('b@x', '192.0.2.1', 1), { scope: 'ip', kind: 'messages', limit: 1 });
    l.record('a@x', '127.0.0.1', 1);
    l.record('b@x', '127.0.0.1', 1);
    assert.equal(l.check('c@x', '127.0.0.1', 1), null);
  });

  it('counts a message when it passes the check, and gives the count back when it is not accepted', () => {
    const l = new SendRateLimiter({ accountMessages: 1, accountRecipients: 0, ipMessages: 1, ipRecipients: 0 });
    const undo = l.record('a@x', '192.0.2.1', 1);
    // A second connection checking while the first is still signing and queueing is refused.
    assert.deepEqual(l.check('a@x', '192.0.2.9', 1), { scope: 'account', kind: 'messages', limit: 1 });
    undo();
    assert.equal(l.check('a@x', '192.0.2.1', 1), null, 'the refused message no longer counts');
  });
});
