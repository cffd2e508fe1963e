// mailauth asks DNS through one function (name, rrtype), in the shape of node's
// dns.promises.resolve; this maps it onto our Resolver so SPF/DKIM/DMARC use the configured
// servers (and the loopback DNS server in tests), with the same error codes.
import type { DNSResolver } from 'mailauth';
import type { Resolver } from './resolver.ts';

export function mailauthResolver(r: Resolver): DNSResolver {
  return async (name: string, rrtype: string) => {
    switch (rrtype.toUpperCase()) {
      case 'TXT':
        return r.resolveTxt(name);
      case 'A':
        return r.resolve4(name);
      case 'AAAA':
        return r.resolve6(name);
      case 'MX':
        // mailauth reads { exchange, priority } objects, as node returns them.
        return (await r.resolveMx(name)) as unknown as string[];
      case 'PTR':
        return r.resolvePtr(name);
      case 'CNAME':
        return r.resolveCname(name);
      case 'NS':
        return r.resolveNs(name);
      default:
        throw Object.assign(new Error(`DNS type ${rrtype} not supported`), { code: 'ENOTIMP' });
    }
  };
}
