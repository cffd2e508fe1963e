// RFC 5322 §3.3 date-time, leniently: optional day name, obsolete zone names (§4.3), two- and
// three-digit years, missing seconds, comments, and the asctime() form some old software writes.
// Returns null rather than guessing when the text is not a date.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// RFC 5322 §4.3: obsolete zones; other letters (military zones) carry no reliable offset: -0000.
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0,
  edt: -4 * 60, est: -5 * 60, cdt: -5 * 60, cst: -6 * 60,
  mdt: -6 * 60, mst: -7 * 60, pdt: -7 * 60, pst: -8 * 60,
};

const RFC5322 =
  /^(?:[a-z]+\s*,?\s*)?(\d{1,2})[\s-]*([a-z]{3})[a-z]*\.?[\s-]*(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*([+-]\d{1,2}:?\d{2}|[a-z]+)?/i;
const ASCTIME = /^[a-z]{3},?\s+([a-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([a-z]+|[+-]\d{4})\s+)?(\d{4})/i;

function zoneMinutes(z: string | undefined): number {
  if (z === undefined) return 0;
  const m = /^([+-])(\d{1,2}):?(\d{2})$/.exec(z);
  if (m !== null) {
    const v = Number(m[2]) * 60 + Number(m[3]);
    return m[1] === '-' ? -v : v;
  }
  return ZONES[z.toLowerCase()] ?? 0;
}

/** The date-time as written, and whether to keep the wall-clock reading (`local`) or the instant. */
function build(y: number, mon: string, d: number, h: number, mi: number, s: number, zone: string | undefined, local = false): Date | null {
  const m = MONTHS.indexOf(mon.toLowerCase());
  if (m === -1) return null;
  if (y < 50) y += 2000; // RFC 5322 §4.3
  else if (y < 1000) y += 1900;
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, m, d, h, mi, Math.min(s, 59));
  if (new Date(t).getUTCDate() !== d) return null; // 31 Feb
  return new Date(local ? t : t - zoneMinutes(zone) * 60_000);
}

export function parseDate(text: string | null, local = false): Date | null {
  if (text === null) return null;
  const s = text.replace(/\([^)]*\)/g, ' ').trim();
  let m = RFC5322.exec(s);
  if (m !== null) {
    return build(Number(m[3]), m[2], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), m[7], local);
  }
  m = ASCTIME.exec(s);
  if (m !== null) {
    return build(Number(m[7]), m[1], Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0), m[6], local);
  }
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)/.exec(s);
  if (iso !== null) {
    const t = Date.parse(local ? `${iso[1]}T${iso[2]}Z` : s);
    return Number.isNaN(t) ? null : new Date(t);
  }
  return null;
}

/**
 * The Date: header's wall-clock time in its own zone, as milliseconds read as if UTC: the
 * calendar day SENTBEFORE, SENTON and SENTSINCE compare, "disregarding time and timezone"
 * (RFC 9051 §6.4.4). 10 Mar 2025 01:30 +0900 is on 10 March, though it was 9 March in UTC.
 */
export function localDateMs(text: string | null): number | null {
  return parseDate(text, true)?.getTime() ?? null;
}
