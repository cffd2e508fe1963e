// Facts about client addresses shared by every protocol.

/** A connection from this machine: passwords may travel without TLS here (RFC 9051 §6.2.3). */
export const isLoopback = (ip: string): boolean => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
