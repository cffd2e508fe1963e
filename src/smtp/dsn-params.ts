// RFC 3461 parameters as smtp-server hands them over (hideDSN: false): RET and ENVID with MAIL
// FROM, NOTIFY and ORCPT with each RCPT TO. smtp-server has already decoded their xtext ("+XX")
// and refused control characters in the result; decoding again would turn "+2B0D" into a CR.
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { DsnNotify } from '../queue/outbound.ts';

/** RET and ENVID of the transaction; {} when the client sent neither. */
export function envelopeDsn(session: SMTPServerSession): { ret?: 'FULL' | 'HDRS'; envid?: string } {
  const dsn = (session.envelope as { dsn?: { ret?: string | null; envid?: string | null } }).dsn;
  return {
    ...(dsn?.ret === 'FULL' || dsn?.ret === 'HDRS' ? { ret: dsn.ret } : {}),
    ...(dsn?.envid ? { envid: dsn.envid } : {}),
  };
}

/** NOTIFY and ORCPT of one recipient; {} when the client sent neither. */
export function recipientDsn(r: SMTPServerAddress): { notify?: DsnNotify; orcpt?: string } {
  const dsn = (r as SMTPServerAddress & { dsn?: { notify?: string[]; orcpt?: string } }).dsn;
  const out: { notify?: DsnNotify; orcpt?: string } = {};
  if (dsn?.notify?.length) {
    out.notify = dsn.notify.includes('NEVER') ? 'NEVER' : (dsn.notify.filter((n) => n === 'SUCCESS' || n === 'FAILURE' || n === 'DELAY') as ('SUCCESS' | 'FAILURE' | 'DELAY')[]);
  }
  if (dsn?.orcpt) out.orcpt = dsn.orcpt;
  return out;
}
