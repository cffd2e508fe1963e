// SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3; RFC 3501 §6.3.1 for \Recent).
import { MailboxView } from '../mailbox-view.ts';
import { qresyncSelect } from '../qresync.ts';
import { ResponseLine } from '../response.ts';
import type { Session } from '../session.ts';
import { AUTHED, bad, no, ok, type CommandOf, type Handler, type Reply } from './types.ts';

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/** Leaves the selected state, telling an IMAP4rev2 client with [CLOSED] (RFC 9051 §7.1). */
export async function deselect(s: Session, notify: boolean): Promise<void> {
  if (!s.selected) return;
  s.selected = null;
  s.state = 'authenticated';
  // RFC 7162 §3.2.11: a server offering CONDSTORE/QRESYNC sends it to every client.
  if (notify) await s.untagged('OK [CLOSED] Previous mailbox closed');
}

async function run(s: Session, cmd: CommandOf<'SELECT' | 'EXAMINE'>): Promise<Reply> {
  // RFC 7162 §3.2.5: QRESYNC only after ENABLE QRESYNC; the current selection stays.
  if (cmd.args.qresync !== undefined && !s.qresync) return bad('Issue ENABLE QRESYNC first');
  await deselect(s, true);
  // RFC 7162 §3.1.8: (CONDSTORE) enables CONDSTORE; the HIGHESTMODSEQ below is always sent.
  if (cmd.args.condstore || cmd.args.qresync !== undefined) s.condstore = true;
  const store = s.deps.store;
  const found = await store.getMailbox(s.account!.id, cmd.args.mailbox);
  if (!found) return no('Mailbox does not exist', 'NONEXISTENT');
  const readOnly = cmd.name === 'EXAMINE';
  // EXAMINE changes nothing, \Recent included (RFC 3501 §6.3.2); IMAP4rev2 has no \Recent,
  // so a rev2 session leaves the messages recent for the next rev1 one.
  const snap = await store.selectMailbox(found.id, !readOnly && !s.rev2);
  if (!snap) return no('Mailbox does not exist', 'NONEXISTENT');
  const mb = snap.info;
  const view = new MailboxView(mb, readOnly, snap.uids);
  for (const k of snap.keywords) view.keywords.set(k.toLowerCase(), k);
  view.addRecent(snap.recent.from, snap.recent.to);
  // A delivery between the snapshot and now published before we were listening: look again.
  view.pendingExists = true;
  const flags = [...SYSTEM_FLAGS, ...snap.keywords].join(' ');
  const firstUnseen = snap.firstUnseenUid === 0 ? 0 : view.seqOf(snap.firstUnseenUid);
  const out = [
    `* FLAGS (${flags})`,
    `* ${view.exists} EXISTS`,
    ...(s.rev2 ? [] : [`* ${view.recentCount} RECENT`, ...(firstUnseen ? [`* OK [UNSEEN ${firstUnseen}] First unseen`] : [])]),
    `* OK [UIDVALIDITY ${mb.uidValidity}] UIDs valid`,
    `* OK [UIDNEXT ${Math.max(mb.uidNext, view.lastUid + 1)}] Predicted next UID`,
    `* OK [PERMANENTFLAGS (${readOnly ? '' : flags + ' \\*'})] Flags permitted`,
    `* OK [HIGHESTMODSEQ ${mb.highestModSeq}] Highest`,
    `* OK [MAILBOXID (${mb.objectId})] Ok`, // RFC 8474 §4.2
  ];
  await s.send(Buffer.from(out.join('\r\n') + '\r\n', 'utf8'));
  if (s.rev2) await s.send(new ResponseLine({ utf8: true }).raw('* LIST () "/" ').mailbox(mb.name).toBuffer());
  s.selected = view;
  s.state = 'selected';
  if (cmd.args.qresync !== undefined) await qresyncSelect(s, view, cmd.args.qresync);
  return ok(`${readOnly ? 'EXAMINE' : 'SELECT'} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

export const select: Handler<'SELECT'> = { states: AUTHED, run };
export const examine: Handler<'EXAMINE'> = { states: AUTHED, run };
