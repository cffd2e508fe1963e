// UIDL [msg] (RFC 1939 §7): the unique-id listing, stable across sessions (uidlOf).
import { uidlOf } from '../maildrop.ts';
import { TRANSACTION, type Handler } from './types.ts';

export const uidl: Handler<'UIDL'> = {
  states: TRANSACTION,
  run(s, cmd) {
    const drop = s.drop!;
    if (cmd.msg !== null) {
      const m = s.message(cmd.msg);
      return m ? s.ok(`${cmd.msg} ${uidlOf(drop.uidValidity, m.uid)}`) : s.err('No such message');
    }
    const lines: string[] = [];
    drop.messages.forEach((m, i) => {
      if (!s.deleted.has(i + 1)) lines.push(`${i + 1} ${uidlOf(drop.uidValidity, m.uid)}`);
    });
    return s.multiline('Unique-ID listing follows', lines);
  },
};
