// What a NOTIFY SET (RFC 5465) asked for, and the unsolicited responses it causes: STATUS for
// message events in other mailboxes (§5.1-5.3), LIST for MailboxName and SubscriptionChange
// (§5.4, §5.5), METADATA for annotation changes (§5.6, §5.7). The selected mailbox's events go
// through the session's usual EXISTS/EXPUNGE/FETCH path, only sooner (§6.1).
// Changes are collected and told in one go per turn of the event loop, through the session's
// serial queue, so they never land inside another command's responses.
import type { Command, FetchItem, NotifyGroup, StatusItem } from './ast.ts';
import type { MailboxChange, MailboxInfo } from '../store/store.ts';
import { parentsOf } from '../store/mailbox-name.ts';
import { fetch } from './commands/fetch.ts';
import { hasChildren, listLine } from './commands/list.ts';
import { statusLine } from './commands/status-data.ts';
import { ResponseLine } from './response.ts';
import type { Session } from './session.ts';

export const SUPPORTED_EVENTS = [
  'MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName', 'SubscriptionChange', 'MailboxMetadataChange', 'ServerMetadataChange',
];

/** Output waiting for the client beyond which notifications stop (§5.8). */
const OVERFLOW_BYTES = 4 * 1024 * 1024;

type MessageEvent = 'MessageNew' | 'MessageExpunge' | 'FlagChange';

export class Notifier {
  private readonly s: Session;
  private readonly groups: readonly NotifyGroup[];
  /** SELECTED or SELECTED-DELAYED with message events, or null: no immediate selected events. */
  readonly selectedMode: 'selected' | 'selected-delayed' | null;
  private readonly newFetch: readonly FetchItem[] | null;
  private pending: MailboxChange[] = [];
  private scheduled = false;

  constructor(s: Session, groups: readonly NotifyGroup[]) {
    this.s = s;
    this.groups = groups;
    const sel = groups.find((g) => g.filter.kind === 'selected' || g.filter.kind === 'selected-delayed');
    this.selectedMode = sel && sel.events.length > 0 ? (sel.filter.kind as 'selected' | 'selected-delayed') : null;
    this.newFetch = sel?.events.find((e) => e.name === 'MessageNew')?.fetch ?? null;
  }

  /** Events the client wants for a mailbox other than the selected one. */
  eventsFor(name: string, subscribed: boolean): Set<string> {
    const out = new Set<string>();
    for (const g of this.groups) {
      const f = g.filter;
      const match =
        f.kind === 'personal' || f.kind === 'inboxes' || // §6.3: inboxes may be treated as personal
        (f.kind === 'subscribed' && subscribed) ||
        (f.kind === 'mailboxes' && f.names.includes(name)) ||
        (f.kind === 'subtree' && f.names.some((n) => name === n || name.startsWith(n + '/')));
      if (match) for (const e of g.events) out.add(e.name);
    }
    return out;
  }

  private wantsServerMetadata(): boolean {
    return this.groups.some((g) => g.events.some((e) => e.name === 'ServerMetadataChange'));
  }

  /** The STATUS items a message event calls for (§5.1-5.3; HIGHESTMODSEQ for CONDSTORE clients). */
  static statusItems(events: Iterable<string>): StatusItem[] {
    const items = new Set<StatusItem>();
    for (const e of events) {
      if (e === 'MessageNew' || e === 'MessageExpunge') ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY'].forEach((i) => items.add(i as StatusItem));
      if (e === 'FlagChange') ['UIDVALIDITY', 'HIGHESTMODSEQ', 'UNSEEN'].forEach((i) => items.add(i as StatusItem));
    }
    return [...items];
  }

  /** A change on the account's bus. The selected mailbox's message changes are not ours. */
  onChange(c: MailboxChange): void {
    const selected = this.s.selected?.mailbox.id;
    if ((c.kind === 'exists' || c.kind === 'expunge' || c.kind === 'flags') && c.mailboxId === selected) return;
    if (this.causedHere(c)) return;
    this.pending.push(c);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.s.serial(() => this.flush());
    });
  }

  /** §5: "SHOULD omit notifying the client if the event is caused by this client". */
  private causedHere(c: MailboxChange): boolean {
    const cmd: Command | null = this.s.running;
    if (cmd === null) return false;
    switch (cmd.name) {
      case 'CREATE': case 'DELETE': return c.kind === 'mailbox' && (c.name === cmd.args.mailbox || parentsOf(cmd.args.mailbox).includes(c.name ?? ''));
      case 'RENAME': return c.kind === 'mailbox';
      case 'SUBSCRIBE': case 'UNSUBSCRIBE': return c.kind === 'subscription' && c.name === cmd.args.mailbox;
      case 'SETMETADATA': return c.kind === 'metadata';
      default: return false;
    }
  }

  /** New messages of the selected mailbox were told with EXISTS: the FETCH MessageNew asked for (§5.2). */
  async newMessages(uids: readonly number[]): Promise<void> {
    if (this.newFetch === null || this.newFetch.length === 0 || uids.length === 0) return;
    const own = this.s.running;
    // §5.2: no FETCH for a message this connection put there itself.
    if (own !== null && ['APPEND', 'COPY', 'MOVE', 'REPLACE'].includes(own.name)) return;
    const ranges = uids.map((u) => [u, u] as const);
    await fetch.run(this.s, { tag: '*', name: 'FETCH', uid: true, args: { set: { ranges, saved: false }, items: this.newFetch, vanished: false } });
  }

  private async flush(): Promise<void> {
    const s = this.s;
    const changes = this.pending;
    this.pending = [];
    if (s.notifier !== this || s.account === null || changes.length === 0) return;
    if (s.pendingOutput > OVERFLOW_BYTES) {
      s.notifier = null;
      await s.untagged('OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY is off');
      return;
    }
    const all = await s.deps.store.listMailboxes(s.account.id);
    const byId = new Map(all.map((m) => [m.id, m]));
    const out: Buffer[] = [];
    const statusOf = new Map<number, Set<MessageEvent>>();
    const renamedOld = changes.flatMap((c) => (c.kind === 'mailbox' && c.what === 'renamed' && c.oldName ? [c.oldName] : []));
    for (const c of changes) {
      if (c.kind === 'exists' || c.kind === 'expunge' || c.kind === 'flags') {
        const ev: MessageEvent = c.kind === 'exists' ? 'MessageNew' : c.kind === 'expunge' ? 'MessageExpunge' : 'FlagChange';
        const set = statusOf.get(c.mailboxId) ?? new Set<MessageEvent>();
        statusOf.set(c.mailboxId, set.add(ev));
      } else if (c.kind === 'mailbox') {
        const name = c.name;
        if (name === undefined) continue;
        const info = byId.get(c.mailboxId);
        if (!this.eventsFor(name, info?.subscribed ?? false).has('MailboxName')) continue;
        if (c.what === 'deleted') {
          // A parent deleted under its children lives on as \Noselect (RFC 9051 §6.3.5).
          out.push(listLine(s, 'LIST', hasChildren(all, name) ? ['\\Noselect', '\\HasChildren'] : ['\\NonExistent'], name));
        } else if (c.what === 'created') {
          if (info) out.push(this.list(all, info));
        } else if (info && c.oldName !== undefined) {
          // §5.4: children renamed with their parent get no event of their own.
          if (renamedOld.some((o) => c.oldName!.startsWith(o + '/'))) continue;
          const line = new ResponseLine({ utf8: s.utf8 }).raw(`* LIST (${this.attrs(all, info).join(' ')}) "/" `).mailbox(info.name);
          out.push(line.raw(' ("OLDNAME" (').mailbox(c.oldName).raw('))').toBuffer());
        }
        // §5.4: the direct parent of a created or deleted mailbox is affected too.
        const parent = c.what !== 'renamed' ? parentsOf(name).at(-1) : undefined;
        const p = parent === undefined ? undefined : all.find((m) => m.name === parent);
        if (p) out.push(this.list(all, p));
      } else if (c.kind === 'subscription') {
        const info = byId.get(c.mailboxId);
        if (info && this.eventsFor(info.name, true).has('SubscriptionChange')) out.push(this.list(all, info));
      } else if (c.kind === 'metadata') {
        const info = c.mailboxId === null ? null : byId.get(c.mailboxId);
        if (c.mailboxId === null ? !this.wantsServerMetadata() : !info || !this.eventsFor(info.name, info.subscribed).has('MailboxMetadataChange')) continue;
        const line = new ResponseLine({ utf8: s.utf8 }).raw('* METADATA ');
        if (info) line.mailbox(info.name);
        else line.raw('""');
        out.push(line.raw(' ' + c.entries.join(' ')).toBuffer());
      }
    }
    for (const [id, events] of statusOf) {
      const info = byId.get(id);
      if (!info || id === s.selected?.mailbox.id) continue;
      const wanted = this.eventsFor(info.name, info.subscribed);
      const items = Notifier.statusItems([...events].filter((e) => wanted.has(e)));
      if (items.length > 0) out.push(await statusLine(s, info, items));
    }
    if (out.length > 0) await s.send(out);
  }

  private attrs(all: readonly MailboxInfo[], mb: MailboxInfo): string[] {
    const attrs = [hasChildren(all, mb.name) ? '\\HasChildren' : '\\HasNoChildren'];
    if (mb.subscribed) attrs.push('\\Subscribed');
    return attrs;
  }

  private list(all: readonly MailboxInfo[], mb: MailboxInfo): Buffer {
    return listLine(this.s, 'LIST', this.attrs(all, mb), mb.name);
  }
}
