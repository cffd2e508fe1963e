// `mailhaven queue list|show|retry|remove|flush`: the outbound queue from the shell. These
// write the queue's rows only; a running server's runner polls them ([queue] poll_interval),
// so retry/flush take effect within a second and remove stops further attempts.
import type { Command } from 'commander';
import { headerBlock } from '../../queue/dsn.ts';
import { Spool } from '../../queue/spool.ts';
import { QueueStore, type QueuedMessage, type QueuedRecipient } from '../../queue/store.ts';
import { dataPaths } from '../../main.ts';
import { formatSize, withServices } from '../context.ts';

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function recipientLine(r: QueuedRecipient, now: number): string {
  const next = r.state === 'queued' ? (r.nextAttemptAt <= now ? 'due now' : `next in ${age(r.nextAttemptAt - now)}`) : r.state;
  const last = r.lastReply ? `; last: ${r.lastHost ? `${r.lastHost}: ` : ''}${r.lastReply}` : '';
  return `    ${r.address}  [${r.state}, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${next}${last}]`;
}

function json(m: QueuedMessage, rs: QueuedRecipient[]) {
  return { ...m, createdAt: new Date(m.createdAt).toISOString(), recipients: rs.map((r) => ({ ...r, nextAttemptAt: new Date(r.nextAttemptAt).toISOString(), lastAttemptAt: r.lastAttemptAt ? new Date(r.lastAttemptAt).toISOString() : null })) };
}

export function registerQueueCommands(program: Command): void {
  const queue = program
    .command('queue')
    .description('the outbound queue (works while the server runs: it looks at changes every [queue] poll_interval)');

  queue
    .command('list')
    .description('messages waiting for delivery, with each recipient\'s state and last reply')
    .option('--json', 'one JSON object per message')
    .action(async (o: { json?: boolean }, cmd: Command) =>
      withServices(cmd, async ({ db }) => {
        const active = new QueueStore(db).active();
        const now = Date.now();
        for (const { message: m, recipients } of active) {
          if (o.json) {
            console.log(JSON.stringify(json(m, recipients)));
            continue;
          }
          console.log(`${m.id}  ${age(now - m.createdAt).padStart(4)}  ${formatSize(m.size).padStart(8)}  <${m.sender}>${m.messageId ? `  ${m.messageId}` : ''}`);
          for (const r of recipients) if (r.state === 'queued' || r.state === 'inflight') console.log(recipientLine(r, now));
        }
        if (!o.json) console.log(`${active.length} message${active.length === 1 ? '' : 's'} queued`);
      }),
    );

  queue
    .command('show <id>')
    .description('one queued message: envelope, every recipient, and the message header')
    .option('--body', 'print the whole message instead of its header')
    .option('--json', 'as JSON')
    .action(async (id: string, o: { body?: boolean; json?: boolean }, cmd: Command) =>
      withServices(cmd, async ({ db, dataDir }) => {
        const store = new QueueStore(db);
        const m = store.message(id.toUpperCase());
        if (!m) throw new Error(`no queued message ${id}`);
        const rs = store.recipients(m.id);
        if (o.json) return console.log(JSON.stringify(json(m, rs), null, 2));
        const now = Date.now();
        console.log(`queue id:    ${m.id}`);
        console.log(`from:        <${m.sender}>`);
        console.log(`queued:      ${new Date(m.createdAt).toISOString()} (${age(now - m.createdAt)} ago), via ${m.origin}${m.account ? ` by ${m.account}` : ''}${m.originSid ? ` (session ${m.originSid})` : ''}`);
        console.log(`size:        ${m.size} bytes${m.messageId ? `, Message-ID <${m.messageId}>` : ''}`);
        if (m.ret || m.envid) console.log(`dsn:         ${m.ret ? `RET=${m.ret} ` : ''}${m.envid ? `ENVID=${m.envid}` : ''}`);
        console.log('recipients:');
        for (const r of rs) console.log(recipientLine(r, now) + (r.notify ? ` NOTIFY=${r.notify}` : '') + (r.orcpt ? ` ORCPT=${r.orcpt}` : ''));
        const content = await new Spool(dataPaths(dataDir).queue).read(m.file).catch(() => null);
        console.log('');
        if (!content) console.log('(message file missing)');
        else process.stdout.write(o.body ? content : headerBlock(content));
      }),
    );

  queue
    .command('retry <id...>')
    .description('try these messages again now, whatever their retry schedule says')
    .action(async (ids: string[], _o, cmd: Command) =>
      withServices(cmd, async ({ db }) => {
        const store = new QueueStore(db);
        for (const id of ids) {
          if (!store.message(id.toUpperCase())) throw new Error(`no queued message ${id}`);
          const n = store.makeDue(Date.now(), id.toUpperCase());
          console.log(`${id.toUpperCase()}: ${n} recipient${n === 1 ? '' : 's'} due now`);
        }
      }),
    );

  queue
    .command('flush')
    .description('try every queued message again now')
    .action(async (_o, cmd: Command) =>
      withServices(cmd, async ({ db }) => {
        const n = new QueueStore(db).makeDue(Date.now());
        console.log(`${n} recipient${n === 1 ? '' : 's'} due now`);
      }),
    );

  queue
    .command('remove <id...>')
    .description('drop messages from the queue without a bounce (an attempt already under way may still deliver)')
    .action(async (ids: string[], _o, cmd: Command) =>
      withServices(cmd, async ({ db, dataDir }) => {
        const store = new QueueStore(db);
        const spool = new Spool(dataPaths(dataDir).queue);
        for (const id of ids) {
          if (!store.message(id.toUpperCase())) throw new Error(`no queued message ${id}`);
          const n = store.remove(id.toUpperCase());
          console.log(`${id.toUpperCase()}: ${n} recipient${n === 1 ? '' : 's'} removed`);
        }
        for (const m of store.takeFinished()) await spool.remove(m.file);
      }),
    );
}
