// APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), APPENDUID (RFC 4315), TRYCREATE and
// CATENATE (RFC 4469). The checks and the file writes start here; the session may start the
// next pipelined APPEND before this one's index commit (append-pipeline.ts).
import { parseMessage, type ParsedMessage } from '../../mime/parse-message.ts';
import { withCrlf } from '../../mime/line-endings.ts';
import type { AppendInput, AppendResult, PreparedAppend } from '../../store/store.ts';
import { formatNumberSet } from '../seqset.ts';
import type { Session } from '../session.ts';
import type { AppendMessage } from '../ast.ts';
import { resolveCatenate } from './catenate.ts';
import { checkQuota } from './quota-check.ts';
import { AUTHED, no, ok, type CommandOf, type Handler, type Reply } from './types.ts';

/** An APPEND past its checks: its size, and its files being written. */
export type StartedAppend = { bytes: number; prepared: Promise<PreparedAppend> };

/**
 * What APPEND and REPLACE check of the messages before storing them (APPENDLIMIT, the quota
 * counting `pendingBytes` of earlier APPENDs not yet committed) and the store's inputs; or the
 * refusal. \\Recent is the server's to set (RFC 3501 §2.3.2), never the client's.
 */
export async function checkedInputs(s: Session, msgs: readonly AppendMessage[], pendingBytes?: () => number): Promise<{ bytes: number; inputs: AppendInput[] } | Reply> {
  if (msgs.some((m) => m.data.length > s.deps.limits.appendLimit)) return no('Message too large', 'TOOBIG');
  const bytes = msgs.reduce((n, m) => n + m.data.length, 0);
  await checkQuota(s, bytes, pendingBytes);
  const now = new Date();
  const inputs = msgs.map((m) => {
    // Stored with CRLF line ends, as Dovecot serves such a message (POP3 counts and stuffs it).
    const content = withCrlf(m.data);
    return lazilyParsed(content, m.date ?? now, m.flags.filter((f) => f.toLowerCase() !== '\\recent'));
  });
  return { bytes, inputs };
}

/** An input parsed on first use: startAppend parses it once its file write has started. */
function lazilyParsed(content: Buffer, internalDate: Date, flags: readonly string[]): AppendInput {
  let parsed: ParsedMessage | undefined;
  return {
    content,
    internalDate,
    flags,
    get parsed() {
      return (parsed ??= parseMessage(content));
    },
  };
}

/** An APPEND's checks and the start of its file writes; or the refusal. */
export async function startAppend(s: Session, cmd: CommandOf<'APPEND'>, pendingBytes?: () => number): Promise<StartedAppend | Reply> {
  const mb = await s.deps.store.getMailbox(s.account!.id, cmd.args.mailbox);
  if (!mb) return no('Mailbox does not exist', 'TRYCREATE');
  const msgs = await resolveCatenate(s, cmd.args.messages);
  if (!Array.isArray(msgs)) return msgs as Reply;
  const checked = await checkedInputs(s, msgs, pendingBytes);
  if (checked === undefined || !('inputs' in checked)) return checked;
  const prepared = s.deps.store.prepareAppend(s.account!, mb.name, checked.inputs);
  prepared.catch(() => undefined); // its caller awaits it later, maybe after another turn
  // Parsed while the file is created and synced (the index commit needs it), not before: a
  // one-at-a-time APPEND waits for the disk anyway, and this takes the parse off that wait.
  try {
    for (const input of checked.inputs) void input.parsed;
  } catch {
    // thrown again at the index commit, which then removes the files
  }
  return { bytes: checked.bytes, prepared };
}

export const appendDone = (r: AppendResult): Reply => ok('APPEND completed', `APPENDUID ${r.uidValidity} ${formatNumberSet(r.uids)}`);

export const append: Handler<'APPEND'> = {
  states: AUTHED,
  async run(s, cmd) {
    const started = await startAppend(s, cmd);
    if (started === undefined || !('prepared' in started)) return started;
    return appendDone(await (await started.prepared).commit());
  },
};
