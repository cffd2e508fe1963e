// Our DKIM signatures, checked by an independent verifier (mailauth): awkward whitespace,
// folding, 8-bit header bytes, empty and missing bodies; and the oversigning that makes an
// added From or Subject break the signature.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { dkimVerify } from 'mailauth';
import { dkimSignatures, relaxedBody, relaxedHeader, type SignKey } from '../../src/dkim/dkim-sign.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const keys: SignKey[] = [
  { domain: 'a.test', selector: 'r', algorithm: 'rsa', privateKey: rsa.privateKey },
  { domain: 'a.test', selector: 'e', algorithm: 'ed25519', privateKey: ed.privateKey },
];
const edRaw = ed.publicKey.export({ type: 'spki', format: 'der' });
const records: Record<string, string> = {
  'r._domainkey.a.test': `v=DKIM1; k=rsa; p=${rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  'e._domainkey.a.test': `v=DKIM1; k=ed25519; p=${edRaw.subarray(edRaw.length - 32).toString('base64')}`,
};
const resolver = async (name: string) => {
  const r = records[name.toLowerCase()];
  if (!r) throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
  return [[r]];
};

async function results(message: Buffer): Promise<string[]> {
  const r = await dkimVerify(message, { resolver, strict: true });
  return r.results.map((x) => `${x.selector}:${x.status.result}`).sort();
}

const signed = (m: string) => {
  const raw = Buffer.from(m, 'latin1');
  return Buffer.concat([Buffer.from(dkimSignatures(raw, keys), 'latin1'), raw]);
};

describe('DKIM signing', () => {
  it('canonicalises as RFC 6376 §3.4.2 and §3.4.4 say', () => {
    assert.equal(relaxedHeader('SubJect \t:  a \t b\r\n\t c  '), 'subject:a b c');
    assert.equal(relaxedBody(Buffer.from(' a  b \t\r\nc\r\n\r\n\r\n')).toString(), ' a b\r\nc\r\n');
    assert.equal(relaxedBody(Buffer.from('\r\n\r\n')).toString(), '');
    assert.equal(relaxedBody(Buffer.from('x')).toString(), 'x\r\n');
  });

  const messages: [string, string][] = [
    ['plain', 'From: A <a@a.test>\r\nTo: b@b.test\r\nSubject: hi\r\n\r\nhello\r\n'],
    ['whitespace and folding', 'From: a@a.test\r\nTo: b@b.test,\r\n  c@c.test\r\nSubject:   hi   there \t\r\n\r\nbody  with   spaces \t\r\n\r\n\r\n'],
    ['8-bit header, no final CRLF', 'From : a@a.test\r\nSubject: caf\xe9\r\nX-Other: y\r\n\r\nno final crlf'],
    ['empty body', 'From: a@a.test\r\nSubject: empty\r\n\r\n'],
    ['no body at all', 'From: a@a.test\r\nSubject: none\r\n'],
    ['repeated fields', 'From: a@a.test\r\nTo: b@b.test\r\nTo: c@c.test\r\nReceived: x\r\nSubject: r\r\n\r\nbody\r\n'],
  ];
  for (const [name, m] of messages) {
    it(`verifies: ${name}`, async () => {
      assert.deepEqual(await results(signed(m)), ['e:pass', 'r:pass']);
    });
  }

  it('oversigns: a From or Subject added afterwards breaks both signatures', async () => {
    const m = signed('From: a@a.test\r\nSubject: real\r\n\r\nbody\r\n').toString('latin1');
    for (const added of ['Subject: fake\r\n', 'From: ceo@bank.test\r\n', 'Reply-To: evil@x.test\r\n']) {
      const tampered = Buffer.from(m.replace('\r\n\r\n', `\r\n${added}\r\n`), 'latin1');
      assert.deepEqual(await results(tampered), ['e:fail', 'r:fail'], added);
    }
    // Unsigned fields may still be added by relays.
    const relayed = Buffer.from(m.replace('\r\n\r\n', '\r\nX-Spam-Score: 0\r\n\r\n'), 'latin1');
    assert.deepEqual(await results(relayed), ['e:pass', 'r:pass']);
  });
});
