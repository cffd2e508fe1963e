// Pending ACME challenges, shared by the ACME client (which sets them) and the web listener
// (which answers http://HOST/.well-known/acme-challenge/TOKEN, RFC 8555 §8.3) and the TLS
// listener (which answers acme-tls/1 ALPN, RFC 8737).
import type { SecureContext } from 'node:tls';

export class AcmeChallenges {
  private readonly http = new Map<string, string>();
  private readonly alpn = new Map<string, SecureContext>();

  setHttp(token: string, keyAuthorization: string): void {
    this.http.set(token, keyAuthorization);
  }
  /** The key authorisation to answer for a token, or undefined (answer 404). */
  httpResponse(token: string): string | undefined {
    return this.http.get(token);
  }
  deleteHttp(token: string): void {
    this.http.delete(token);
  }

  /** The self-signed acmeIdentifier certificate to present to a acme-tls/1 client for a name. */
  setAlpn(hostname: string, ctx: SecureContext): void {
    this.alpn.set(hostname.toLowerCase(), ctx);
  }
  alpnContext(hostname: string): SecureContext | undefined {
    return this.alpn.get(hostname.toLowerCase());
  }
  deleteAlpn(hostname: string): void {
    this.alpn.delete(hostname.toLowerCase());
  }
}
