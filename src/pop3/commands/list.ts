// LIST [msg] (RFC 1939 §5): message number and size in octets, exactly what RETR sends
// before dot-stuffing; messages marked deleted are left out.
import { TRANSACTION, type Handler } from './types.ts';

export const list: Handler<'LIST'> = {
  states: TRANSACTION,
  run(s, cmd) {
    if (cmd.msg !== null) {
      const m = s.message(cmd.msg);
      return m ? s.ok(`${cmd.msg} ${m.size}`) : s.err('No such message');
    }
    const lines: string[] = [];
    s.drop!.messages.forEach((m, i) => {
      if (!s.deleted.has(i + 1)) lines.push(`${i + 1} ${m.size}`);
    });
    const t = s.totals();
    return s.multiline(`${t.count} messages (${t.octets} octets)`, lines);
  },
};
