// LIST patterns (RFC 9051 §6.3.9): "*" matches anything, "%" anything but the delimiter.
// INBOX matches case-insensitively. Matched by walking the pattern's states along the name
// once (time: name length × pattern length), not by a regular expression: "%*%*%*…z" made
// a backtracking one take seconds per name, with every session of the process waiting.

const STAR = -1;
const PERCENT = -2;
const DELIMITER = 0x2f; // "/"

/** The pattern as code points and wildcards, each run of wildcards made one ("%*" is "*"). */
function compile(pattern: string): number[] {
  const out: number[] = [];
  for (const ch of pattern) {
    const t = ch === '*' ? STAR : ch === '%' ? PERCENT : ch.codePointAt(0)!;
    const last = out[out.length - 1];
    if (t < 0 && last !== undefined && last < 0) {
      if (t === STAR) out[out.length - 1] = STAR;
      continue;
    }
    out.push(t);
  }
  return out;
}

function matches(tokens: readonly number[], literals: number, name: string, fold: boolean): boolean {
  const chars = [...name].map((c) => (fold ? c.toLowerCase() : c).codePointAt(0)!);
  if (chars.length < literals) return false;
  const m = tokens.length;
  let active = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  // A wildcard may match nothing: a state before one is also the state after it.
  const close = (set: Uint8Array): void => {
    for (let j = 0; j < m; j++) if (set[j] && tokens[j] < 0) set[j + 1] = 1;
  };
  active[0] = 1;
  close(active);
  for (const c of chars) {
    next.fill(0);
    let any = false;
    for (let j = 0; j < m; j++) {
      if (!active[j]) continue;
      const t = tokens[j];
      if (t === STAR || (t === PERCENT && c !== DELIMITER)) next[j] = 1;
      else if (t === c) next[j + 1] = 1;
      else continue;
      any = true;
    }
    if (!any) return false;
    close(next);
    [active, next] = [next, active];
  }
  return active[m] === 1;
}

export function patternMatcher(reference: string, pattern: string): (name: string) => boolean {
  const tokens = compile(reference + pattern);
  const folded = compile((reference + pattern).toLowerCase());
  const literals = tokens.filter((t) => t >= 0).length;
  const foldedLiterals = folded.filter((t) => t >= 0).length;
  return (name) =>
    matches(tokens, literals, name, false) || ((name === 'INBOX' || name.startsWith('INBOX/')) && matches(folded, foldedLiterals, name, true));
}
