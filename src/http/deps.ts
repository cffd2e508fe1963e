// What the web routes need from the rest of the server; main.ts provides it.
import type { Logger } from '../core/logger.ts';
import type { Directory } from '../directory/directory.ts';
import type { Endpoint } from '../setup/client-settings.ts';
import type { AcmeChallenges } from '../tls/acme-challenges.ts';

export type WebDeps = {
  /** This server's name: the host every client setting and the MTA-STS policy name. */
  hostname: string;
  directory: Pick<Directory, 'hasDomain'>;
  acme: AcmeChallenges;
  /** Client-facing mail endpoints, preferred first. */
  endpoints: () => Endpoint[];
  /** The MTA-STS policy text, or null when the policy is withdrawn (mode "none"). */
  mtaStsPolicy: () => string | null;
  /** Port the HTTPS listener is reached on, for redirects from HTTP. */
  httpsPort: () => number;
  /** Send Strict-Transport-Security (only with a certificate browsers trust). */
  hsts: () => boolean;
  log: Logger;
};
