// The data of a STATUS response (RFC 9051 §6.3.11, §7.3.4), shared by STATUS and LIST-STATUS.
import type { StatusItem } from '../ast.ts';
import { ResponseLine } from '../response.ts';
import type { Session } from '../session.ts';
import type { MailboxInfo } from '../../store/store.ts';

export async function statusLine(s: Session, mb: MailboxInfo, items: readonly StatusItem[]): Promise<Buffer> {
  const needCounts = items.includes('UNSEEN') || items.includes('DELETED') || items.includes('RECENT');
  const counts = needCounts ? await s.deps.store.mailboxCounts(mb.id) : { unseen: 0, deleted: 0, recent: 0 };
  const values: string[] = [];
  for (const item of items) {
    switch (item) {
      case 'MESSAGES': values.push(`MESSAGES ${mb.messages}`); break;
      case 'RECENT': values.push(`RECENT ${counts.recent}`); break; // RFC 3501 §6.3.10 (IMAP4rev2 has none)
      case 'UIDNEXT': values.push(`UIDNEXT ${mb.uidNext}`); break;
      case 'UIDVALIDITY': values.push(`UIDVALIDITY ${mb.uidValidity}`); break;
      case 'UNSEEN': values.push(`UNSEEN ${counts.unseen}`); break;
      case 'DELETED': values.push(`DELETED ${counts.deleted}`); break;
      case 'SIZE': values.push(`SIZE ${mb.size}`); break;
      case 'HIGHESTMODSEQ': values.push(`HIGHESTMODSEQ ${mb.highestModSeq}`); break;
      case 'APPENDLIMIT': values.push(`APPENDLIMIT ${s.deps.limits.appendLimit}`); break;
      case 'MAILBOXID': values.push(`MAILBOXID (${mb.objectId})`); break; // RFC 8474 §4.3
      default: break; // DELETED-STORAGE: not kept
    }
  }
  return new ResponseLine({ utf8: s.utf8 }).raw('* STATUS ').mailbox(mb.name).raw(` (${values.join(' ')})`).toBuffer();
}
