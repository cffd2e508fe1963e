import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress, formatAddress, normaliseDomain, lookupKey, splitSubaddress } from '../../src/core/address.ts';
import type { Address } from '../../src/core/address.ts';

/** [input, local, domain] */
const VALID: [string, string, string][] = [
  ['user@example.com', 'user', 'example.com'],
  ['User.Name@Example.COM', 'User.Name', 'example.com'],
  ['first.middle.last@sub.example.org', 'first.middle.last', 'sub.example.org'],
  ["!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~", 'example.com'],
  ['user+tag@example.com', 'user+tag', 'example.com'],
  ['u@localhost', 'u', 'localhost'],
  ['user@example.com.', 'user', 'example.com'], // trailing root dot dropped
  ['user@a-b.c-d.example', 'user', 'a-b.c-d.example'],
  ['user@123.example', 'user', '123.example'],
  // Quoted local parts: returned unquoted (RFC 5321 §4.1.2: all quoted forms are equivalent).
  ['"user"@example.com', 'user', 'example.com'],
  ['"john smith"@example.com', 'john smith', 'example.com'],
  ['"say \\"hi\\""@example.com', 'say "hi"', 'example.com'],
  ['"back\\\\slash"@example.com', 'back\\slash', 'example.com'],
  ['"\\a\\b"@example.com', 'ab', 'example.com'],
  ['".user"@example.com', '.user', 'example.com'],
  ['"us..er"@example.com', 'us..er', 'example.com'],
  ['"user."@example.com', 'user.', 'example.com'],
  ['"a,b:c;d<e>f[g]h"@example.com', 'a,b:c;d<e>f[g]h', 'example.com'],
  // Relay tricks: parsed as local users at our domain, never as routes (see address.ts).
  ['user%other.example@ours.example', 'user%other.example', 'ours.example'],
  ['other.example!user@ours.example', 'other.example!user', 'ours.example'],
  ['"user@other.example"@ours.example', 'user@other.example', 'ours.example'],
  // Source routes are accepted and ignored (RFC 5321 §4.1.1.3).
  ['@ours.example:user@other.example', 'user', 'other.example'],
  ['@a.example,@b.example:user@c.example', 'user', 'c.example'],
  ['@a.example:"x y"@c.example', 'x y', 'c.example'],
  // SMTPUTF8 (RFC 6531) and IDN (RFC 5890).
  ['user@bücher.example', 'user', 'xn--bcher-kva.example'],
  ['user@BÜCHER.example', 'user', 'xn--bcher-kva.example'],
  ['user@xn--bcher-kva.example', 'user', 'xn--bcher-kva.example'],
  ['用户@例え.テスト', '用户', 'xn--r8jz45g.xn--zckzah'],
  ['Jörg.Müller@example.de', 'Jörg.Müller', 'example.de'],
  ['"Jörg Müller"@example.de', 'Jörg Müller', 'example.de'],
  ['user@straße.de', 'user', 'xn--strae-oqa.de'],
  ['😀@example.com', '😀', 'example.com'],
  // Address literals, kept as given.
  ['user@[192.0.2.1]', 'user', '[192.0.2.1]'],
  ['user@[IPv6:2001:db8::1]', 'user', '[IPv6:2001:db8::1]'],
  ['user@[ipv6:::ffff:192.0.2.1]', 'user', '[ipv6:::ffff:192.0.2.1]'],
  // Lengths exactly at the limits.
  [`${'a'.repeat(64)}@example.com`, 'a'.repeat(64), 'example.com'],
  [`u@${'a'.repeat(63)}.example`, 'u', `${'a'.repeat(63)}.example`],
];

for (const [input, local, domain] of VALID) {
  test(`valid: ${input.length > 80 ? input.slice(0, 77) + '...' : input}`, () => {
    const r = parseAddress(input);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual(r.address, { local, domain });
  });
}

const label63 = 'a'.repeat(63);
/** [input, fragment of the reason] */
const INVALID: [string, RegExp][] = [
  ['', /empty address/],
  ['user', /no "@"/],
  ['user.example.com', /no "@"/],
  ['Postmaster', /no "@"/],
  ['@example.com', /source route/],
  ['user@', /empty domain/],
  ['"user"', /no "@"/],
  ['""@example.com', /empty local part/],
  ['.user@example.com', /starts with a dot/],
  ['user.@example.com', /ends with a dot/],
  ['us..er@example.com', /two dots/],
  ['.@example.com', /starts with a dot/],
  ['john smith@example.com', /" " in local part must be quoted/],
  ['a"b@example.com', /must be quoted/],
  ['a\\b@example.com', /must be quoted/],
  ['user(comment)@example.com', /must be quoted/],
  ['user@other@example.com', /more than one "@"/],
  ['"user"x@example.com', /text after the quoted local part/],
  ['"user@example.com', /unterminated quoted/],
  ['"bad\\\u00e9"@example.com', /backslash escape/],
  ['us\u0000er@example.com', /NUL/],
  ['user@exa\u0000mple.com', /NUL/],
  ['us\ter@example.com', /control character/],
  ['"us\ter"@example.com', /control character/],
  ['user\r\n@example.com', /control character/],
  ['us\u007fer@example.com', /control character/],
  ['us\u0085er@example.com', /control character/],
  ['us\ud800er@example.com', /invalid UTF-8/],
  ['user@exa mple.com', /" " in domain/],
  ['user@exa_mple.com', /"_" in domain/],
  ['user@example..com', /empty label/],
  ['user@.example.com', /empty label/],
  ['user@example.com..', /empty label/],
  ['user@-example.com', /hyphen/],
  ['user@example-.com', /hyphen/],
  ['user@a/b.example', /"\/" in domain/],
  ['user@1.2.3.4', /numeric top-level domain/],
  ['user@0x7f.1', /numeric top-level domain/],
  ['user@xn--zz.example', /invalid internationalised domain name/],
  ['user@xn--a.example', /invalid internationalised domain name/],
  ['user@xn--abc-.example', /hyphen/], // would decode to plain ASCII "abc"
  ['user@xn--1234.example', /invalid internationalised domain name/],
  ['user@a.0x10', /invalid domain/],
  ['user@a\u200db.example', /invalid internationalised domain name/],
  ['user@[192.0.2.1', /unterminated address literal/],
  ['user@[192.0.2.256]', /bad IPv4/],
  ['user@[192.0.2]', /bad address literal/],
  ['user@[IPv6:2001:db8::g]', /bad IPv6/],
  ['user@[IPv6:fe80::1%eth0]', /bad IPv6/],
  ['user@[x400:abc]', /unsupported address literal tag/],
  ['@ours.example,other:user@example.com', /bad source route/],
  ['@:user@example.com', /bad source route/],
  ['@ours.example user@example.com', /source route/],
  // RFC 5321 §4.5.3.1 limits, each named.
  [`${'a'.repeat(65)}@example.com`, /local part longer than 64 octets/],
  [`${'é'.repeat(33)}@example.com`, /local part longer than 64 octets/], // 66 octets, 33 characters
  [`"${'a'.repeat(63)}"@example.com`, /local part longer than 64 octets/], // the quotes count
  [`u@${'a'.repeat(64)}.example`, /domain label longer than 63 octets/],
  [`u@${'ü'.repeat(60)}.example`, /domain label longer than 63 octets/], // A-label is longer
  [`u@${[label63, label63, label63, label63, 'a'].join('.')}`, /domain longer than 255 octets/],
  [`${'a'.repeat(64)}@${[label63, label63, label63, 'b'.repeat(60)].join('.')}`, /address longer than 254 octets/],
  ['a'.repeat(5000) + '@example.com', /address longer than 254 octets/],
];

for (const [input, reason] of INVALID) {
  test(`invalid: ${JSON.stringify(input.length > 80 ? input.slice(0, 77) + '...' : input)}`, () => {
    const r = parseAddress(input);
    assert.equal(r.ok, false, `parsed as ${JSON.stringify(r.ok ? r.address : null)}`);
    if (!r.ok) assert.match(r.reason, reason);
  });
}

test('formatAddress quotes only what is not a dot-string, and round-trips', () => {
  const cases: [Address, string][] = [
    [{ local: 'user', domain: 'example.com' }, 'user@example.com'],
    [{ local: 'first.last', domain: 'example.com' }, 'first.last@example.com'],
    [{ local: 'Jörg', domain: 'xn--bcher-kva.example' }, 'Jörg@xn--bcher-kva.example'],
    [{ local: 'john smith', domain: 'example.com' }, '"john smith"@example.com'],
    [{ local: 'say "hi"', domain: 'example.com' }, '"say \\"hi\\""@example.com'],
    [{ local: 'back\\slash', domain: 'example.com' }, '"back\\\\slash"@example.com'],
    [{ local: '.user', domain: 'example.com' }, '".user"@example.com'],
    [{ local: 'us..er', domain: 'example.com' }, '"us..er"@example.com'],
    [{ local: 'user@other', domain: 'ours.example' }, '"user@other"@ours.example'],
    [{ local: 'user', domain: '[192.0.2.1]' }, 'user@[192.0.2.1]'],
  ];
  for (const [a, text] of cases) {
    assert.equal(formatAddress(a), text);
    const back = parseAddress(text);
    assert.ok(back.ok);
    assert.deepEqual(back.address, a);
  }
  // The minimal quoting: a needlessly quoted address comes back plain.
  const p = parseAddress('"user"@Example.COM');
  assert.ok(p.ok);
  assert.equal(formatAddress(p.address), 'user@example.com');
});

test('normaliseDomain', () => {
  assert.equal(normaliseDomain('Example.COM'), 'example.com');
  assert.equal(normaliseDomain('example.com.'), 'example.com');
  assert.equal(normaliseDomain('bücher.example'), 'xn--bcher-kva.example');
  assert.equal(normaliseDomain('XN--BCHER-KVA.example'), 'xn--bcher-kva.example');
  assert.equal(normaliseDomain('例え.テスト'), 'xn--r8jz45g.xn--zckzah');
  assert.equal(normaliseDomain('a\u3002example'), 'a.example'); // ideographic full stop (IDNA)
  assert.equal(normaliseDomain('ｅｘａｍｐｌｅ.com'), 'example.com'); // UTS #46 width mapping
  assert.equal(normaliseDomain('localhost'), 'localhost');
  for (const bad of ['', '.', 'example..com', 'example.com..', 'exa mple.com', 'a_b.example', '-a.example', 'a/b.example', 'a:25', 'user@example.com', '1.2.3.4', '0x7f.1', 'xn--zz.example', '[192.0.2.1]', `${'a'.repeat(64)}.example`, 'a\u0000b.example']) {
    assert.equal(normaliseDomain(bad), null, JSON.stringify(bad));
  }
});

test('lookupKey folds the local part case (and Unicode form), keeps the A-label domain', () => {
  const key = (s: string): string => {
    const r = parseAddress(s);
    assert.ok(r.ok, s);
    return lookupKey(r.address);
  };
  assert.equal(key('John.Doe@Example.COM'), 'john.doe@example.com');
  assert.equal(key('"John.Doe"@example.com'), 'john.doe@example.com');
  assert.equal(key('JÖRG@BÜCHER.example'), 'jörg@xn--bcher-kva.example');
  // Decomposed "ö" (o + U+0308) finds the same user as the precomposed one.
  assert.equal(key('jo\u0308rg@example.com'), key('j\u00f6rg@example.com'));
  assert.equal(key('"User@Other"@ours.example'), 'user@other@ours.example');
  assert.equal(lookupKey({ local: 'Admin', domain: '[IPv6:2001:DB8::1]' }), 'admin@[ipv6:2001:db8::1]');
});

test('splitSubaddress', () => {
  const cases: [string, string, string, string | null][] = [
    ['user+tag', '+', 'user', 'tag'],
    ['user+tag+more', '+', 'user', 'tag+more'],
    ['user+', '+', 'user', ''],
    ['user', '+', 'user', null],
    ['+tag', '+', '+tag', null],
    ['+tag+more', '+', '+tag+more', null],
    ['user+tag', '', 'user+tag', null],
    ['user-tag', '+', 'user-tag', null],
    ['user-tag', '+-', 'user', 'tag'],
    ['user+a-b', '+-', 'user', 'a-b'],
    ['user-a+b', '+-', 'user', 'a+b'],
    ['Jörg+Ünïcode', '+', 'Jörg', 'Ünïcode'],
    ['a😀b', '😀', 'a', 'b'],
  ];
  for (const [local, sep, base, detail] of cases) {
    assert.deepEqual(splitSubaddress(local, sep), { base, detail }, `${local} / ${sep}`);
  }
});
