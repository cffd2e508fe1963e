// RFC 2449 §5-6 CAPA: what this server offers, as it is for this session now.

export type CapabilityInput = {
  /** USER and SASL are listed only where a password may be sent (TLS or a trusted address). */
  loginAllowed: boolean;
  /** STLS is listed in AUTHORIZATION state before TLS is active (RFC 2595 §4). */
  offerStls: boolean;
};

export function capabilityLines(c: CapabilityInput): string[] {
  const caps = ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'LOGIN-DELAY 0'];
  // RFC 5034 §3: SASL stays listed after login too.
  if (c.loginAllowed) caps.push('USER', 'SASL PLAIN');
  if (c.offerStls) caps.push('STLS');
  caps.push('IMPLEMENTATION Mailhaven');
  return caps;
}
