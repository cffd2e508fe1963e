// The "base subject" of RFC 5256 §2.1, which SORT (SUBJECT) and THREAD group and order by,
// and whether extracting it removed a reply or forward marker (THREAD=REFERENCES step 5 asks).
//   subj-refwd   = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
//   subj-blob    = "[" *BLOBCHAR "]" *WSP
//   subj-leader  = (*subj-blob subj-refwd) / WSP
//   subj-trailer = "(fwd)" / WSP
//   subj-fwd-hdr = "[fwd:"     subj-fwd-trl = "]"
// ABNF literals are case-insensitive.

const LEADER_REFWD = /^(?:\[[^[\]]*\] *)*(?:re|fwd?) *(?:\[[^[\]]*\] *)?:/i;
const BLOB = /^\[[^[\]]*\] */;
const FWD_HDR = /^\[fwd:/i;

export type BaseSubject = { base: string; reply: boolean };

/** Steps (2) to (7) of RFC 5256 §2.1 on an already decoded subject (step 1's RFC 2047 part). */
export function baseSubject(decoded: string): BaseSubject {
  // (1) tabs and continuations become a space; runs of spaces one space
  let s = decoded.replace(/\r?\n(?=[ \t])/g, '').replace(/[\t\r\n]/g, ' ').replace(/ {2,}/g, ' ');
  let reply = false;
  for (;;) {
    // (2) trailers: "(fwd)" or a space, as long as one is left
    for (;;) {
      if (s.endsWith(' ')) s = s.slice(0, -1);
      else if (s.length >= 5 && s.slice(-5).toLowerCase() === '(fwd)') {
        s = s.slice(0, -5);
        reply = true;
      } else break;
    }
    // (3)-(5) leaders, then a blob if something is left after it
    for (;;) {
      let changed = false;
      for (;;) {
        if (s.startsWith(' ')) s = s.slice(1);
        else {
          const m = LEADER_REFWD.exec(s);
          if (m === null) break;
          s = s.slice(m[0].length);
          reply = true;
        }
        changed = true;
      }
      const blob = BLOB.exec(s);
      if (blob !== null && blob[0].length < s.length) {
        s = s.slice(blob[0].length);
        changed = true;
      }
      if (!changed) break;
    }
    // (6) "[fwd: ... ]" around everything: unwrap and start again from (2)
    if (FWD_HDR.test(s) && s.endsWith(']')) {
      s = s.slice(5, -1);
      reply = true;
      continue;
    }
    return { base: s, reply };
  }
}
