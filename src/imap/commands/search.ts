// SEARCH and UID SEARCH (RFC 9051 §6.4.4), ESEARCH answers (RFC 4731) with RETURN or IMAP4rev2.
import { resolveSequenceSet } from '../seqset.ts';
import { formatNumberSet } from '../seqset.ts';
import { toCriteria } from '../search-translate.ts';
import { searchModSeq, usesModSeq } from '../search-modseq.ts';
import { SELECTED, no, ok, type Handler } from './types.ts';

export const search: Handler<'SEARCH'> = {
  states: SELECTED,
  expungeAfter: false,
  async run(s, cmd) {
    const view = s.selected!;
    const charset = cmd.args.charset?.toUpperCase();
    if (charset !== undefined && charset !== 'UTF-8' && charset !== 'US-ASCII') return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
    const criteria = toCriteria(cmd.args.criteria, {
      uidsOfSeqSet: (set) => view.rangesOf(view.uidsOfSeqSet(set)),
      uidRanges: (set) => resolveSequenceSet(set, view.lastUid),
      get recent() {
        return view.recentUids();
      },
    });
    // RFC 7162 §3.1: a MODSEQ criterion enables CONDSTORE and adds the MODSEQ result.
    const withModSeq = usesModSeq(cmd.args.criteria);
    if (withModSeq) await s.enableCondstore();
    const found = (await s.deps.store.search(s.account!, view.mailbox.id, criteria)).filter((u) => view.seqOf(u) > 0);
    const numbers = cmd.uid ? found : found.map((u) => view.seqOf(u));
    const ret = cmd.args.return ?? (s.rev2 ? [] : undefined);
    if (ret === undefined) {
      const modSeq = withModSeq ? await searchModSeq(s, found) : 0;
      await s.untagged(`SEARCH${numbers.map((n) => ' ' + n).join('')}${modSeq > 0 ? ` (MODSEQ ${modSeq})` : ''}`);
      return ok('SEARCH completed');
    }
    const want = new Set(ret.length === 0 ? ['ALL'] : ret);
    let text = `ESEARCH (TAG "${cmd.tag}")${cmd.uid ? ' UID' : ''}`;
    if (numbers.length > 0) {
      if (want.has('MIN')) text += ` MIN ${numbers[0]}`;
      if (want.has('MAX')) text += ` MAX ${numbers[numbers.length - 1]}`;
      if (want.has('ALL')) text += ` ALL ${formatNumberSet(numbers)}`;
    }
    if (want.has('COUNT')) text += ` COUNT ${numbers.length}`;
    const modSeq = withModSeq ? await searchModSeq(s, found, want) : 0;
    if (modSeq > 0) text += ` MODSEQ ${modSeq}`;
    await s.untagged(text);
    return ok('SEARCH completed');
  },
};
