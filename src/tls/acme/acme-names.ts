// Which certificates ACME should get: the one list, computed in one place.

export type AcmeCertificatePlan = { id: string; names: string[] };

/**
 * One certificate for the mail hostname (SMTP, IMAP, POP3, and the web listener under that
 * name), and, when asked, one per hosted domain for autoconfig.DOMAIN and mta-sts.DOMAIN (the
 * names clients and MTA-STS senders fetch over HTTPS). Separate orders, so a domain whose DNS
 * does not point here yet fails alone and never holds up the hostname's certificate.
 */
export function acmeCertificatePlan(hostname: string, domains: readonly string[], opts: { domainNames: boolean }): AcmeCertificatePlan[] {
  const host = hostname.toLowerCase();
  const plan: AcmeCertificatePlan[] = [{ id: host, names: [host] }];
  if (!opts.domainNames) return plan;
  for (const d of [...new Set(domains.map((x) => x.toLowerCase()))].sort()) {
    const names = [`autoconfig.${d}`, `mta-sts.${d}`].filter((n) => n !== host);
    if (names.length > 0) plan.push({ id: names[0], names });
  }
  return plan;
}
