// ENABLE (RFC 5161, RFC 9051 §6.3.1): IMAP4rev2 switches the session to rev2 behaviour
// (UTF-8 mailbox names, no \Recent, ESEARCH answers, LIST in SELECT); CONDSTORE and QRESYNC
// (RFC 7162 §3.1, §3.2.3) to MODSEQ in FETCH responses and VANISHED for EXPUNGE.
import { AUTHED, ok, type Handler } from './types.ts';

export const enable: Handler<'ENABLE'> = {
  states: AUTHED,
  async run(s, cmd) {
    const enabled: string[] = [];
    const hadCondstore = s.condstore;
    for (const c of cmd.args.capabilities) {
      const name = c.toUpperCase();
      if (name === 'IMAP4REV2' && !s.rev2) {
        s.rev2 = true;
        s.utf8 = true;
        enabled.push('IMAP4rev2');
      } else if (name === 'CONDSTORE' && !hadCondstore && !enabled.includes('CONDSTORE')) {
        await s.enableCondstore();
        enabled.push('CONDSTORE');
      } else if (name === 'QRESYNC' && !s.qresync) {
        // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE ("ENABLE QRESYNC CONDSTORE" names both).
        s.qresync = true;
        await s.enableCondstore();
        enabled.push('QRESYNC');
      }
    }
    await s.untagged(`ENABLED${enabled.map((e) => ' ' + e).join('')}`);
    return ok('ENABLE completed');
  },
};
