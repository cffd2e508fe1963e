// BODY[HEADER.FIELDS (...)] and BODY[HEADER.FIELDS.NOT (...)] (RFC 9051 §6.4.5): the lines of
// the named fields, continuation lines included, in message order, then the blank line that
// ends a header. Field names compare case-insensitively (RFC 5322 §1.2.2).

/** The header at raw[start, end) reduced to the fields named (or, with not, to the others). */
export function filterHeaderFields(raw: Buffer, start: number, end: number, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const keep: Buffer[] = [];
  let keeping = false;
  let pos = start;
  while (pos < end) {
    const nl = raw.indexOf(0x0a, pos);
    const next = nl === -1 || nl >= end ? end : nl + 1;
    const line = raw.subarray(pos, next);
    const blank = line.length === 0 || line[0] === 0x0a || (line[0] === 0x0d && (line.length === 1 || line[1] === 0x0a));
    if (blank) break; // the end of the header
    if (line[0] === 0x20 || line[0] === 0x09) {
      if (keeping) keep.push(line); // a folded continuation belongs to the field before it
    } else {
      const colon = line.indexOf(0x3a);
      const name = colon <= 0 ? null : line.toString('latin1', 0, colon).trim().toLowerCase();
      keeping = name !== null && wanted.has(name) !== not;
      if (keeping) keep.push(line);
    }
    pos = next;
  }
  // A last field line without a line end still needs one before the blank line.
  const last = keep[keep.length - 1];
  if (last !== undefined && last[last.length - 1] !== 0x0a) keep.push(Buffer.from('\r\n'));
  keep.push(Buffer.from('\r\n'));
  return Buffer.concat(keep);
}
