// QUIT (RFC 1939 §4, §6): in AUTHORIZATION state just goodbye; in TRANSACTION state the
// UPDATE state removes the messages marked deleted, then goodbye. Any other end of the
// connection removes nothing.
import { EITHER, type Handler } from './types.ts';

export const quit: Handler<'QUIT'> = {
  states: EITHER,
  async run(s) {
    if (s.state === 'transaction') {
      try {
        await s.update();
      } catch (e) {
        s.log.error({ event: 'pop3.expunge', err: e }, 'expunge failed');
        await s.err('Some deleted messages not removed', 'SYS/TEMP');
        s.close();
        return;
      }
      const left = s.drop!.messages.length - s.stats.deleted;
      await s.ok(`Mailhaven POP3 server signing off (${left === 0 ? 'maildrop empty' : `${left} messages left`})`);
    } else {
      await s.ok('Mailhaven POP3 server signing off');
    }
    s.close();
  },
};
