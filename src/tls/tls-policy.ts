// The one place that says how strong TLS is on every listener: protocol versions, cipher
// suites, cipher order and renegotiation. Every SecureContext the server builds spreads these.
import { constants } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';

/**
 * TLS 1.3 suites first (Node takes the TLS_ ones for 1.3), then forward-secret AEAD suites for
 * TLS 1.2 (Mozilla's "intermediate" profile without DHE, which needs parameters we do not ship).
 */
export const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const TLS_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: CIPHERS,
  honorCipherOrder: true,
  // TLS 1.2 renegotiation is an old DoS and injection vector; TLS 1.3 has none.
  secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
} as const satisfies SecureContextOptions;
