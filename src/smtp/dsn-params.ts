// RFC 3461 parameters as smtp-server hands them over (hideDSN: false): RET and ENVID with MAIL
// FROM, NOTIFY and ORCPT with each RCPT TO. ENVID and ORCPT arrive as xtext ("+XX" escapes).
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { DsnNotify } from '../queue/outbound.ts';

/** RFC 3461 §4: xtext to text. */
export function xtextDecode(s: string): string {
  return s.replace(/\+([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** RET and ENVID of the transaction, decoded; {} when the client sent neither. */
export function envelopeDsn(session: SMTPServerSession): { ret?: 'FULL' | 'HDRS'; envid?: string } {
  const dsn = (session.envelope as { dsn?: { ret?: string | null; envid?: string | null } }).dsn;
  return {
    ...(dsn?.ret === 'FULL' || dsn?.ret === 'HDRS' ? { ret: dsn.ret } : {}),
    ...(dsn?.envid ? { envid: xtextDecode(dsn.envid) } : {}),
  };
}

/** NOTIFY and ORCPT of one recipient, decoded; {} when the client sent neither. */
export function recipientDsn(r: SMTPServerAddress): { notify?: DsnNotify; orcpt?: string } {
  const dsn = (r as SMTPServerAddress & { dsn?: { notify?: string[]; orcpt?: string } }).dsn;
  const out: { notify?: DsnNotify; orcpt?: string } = {};
  if (dsn?.notify?.length) {
    out.notify = dsn.notify.includes('NEVER') ? 'NEVER' : (dsn.notify.filter((n) => n === 'SUCCESS' || n === 'FAILURE' || n === 'DELAY') as ('SUCCESS' | 'FAILURE' | 'DELAY')[]);
  }
  if (dsn?.orcpt) out.orcpt = xtextDecode(dsn.orcpt);
  return out;
}
