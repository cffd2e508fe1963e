/**
 * Reporting a benchmark: the median of repeated runs, a summary per point, and a side-by-side
 * table of Mailhaven against its peer with their ratio.
 */

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One timed run: `count` operations (messages, commands) at `rate` per second. */
export interface Sample {
  count: number;
  rate: number;
  peakRssKiB?: number;
}

/** Repeated runs of one point: the median rate, its range, and the largest peak RSS. */
export interface Summary {
  count: number;
  rate: number;
  min: number;
  max: number;
  runs: number;
  peakRssKiB?: number;
}

export function summarize(samples: Sample[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const rates = samples.map((s) => s.rate);
  const rss = samples.map((s) => s.peakRssKiB).filter((x): x is number => x !== undefined);
  return {
    count: samples[0].count,
    rate: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    runs: samples.length,
    peakRssKiB: rss.length ? Math.max(...rss) : undefined,
  };
}

function fmtRate(s: Summary | undefined): string {
  if (!s) return '-';
  return s.runs > 1 ? `${s.rate.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : s.rate.toFixed(0);
}

/** One row of the table: a point (e.g. a concurrency) and each side's summary there. */
export interface ComparisonRow {
  key: string;
  ours?: Summary;
  theirs?: Summary;
}

export interface Comparison {
  /** Header of the first column, e.g. "concurrency". */
  keyHeader: string;
  /** Names of the two sides, e.g. "Mailhaven" and "Postfix". */
  ours: string;
  theirs: string;
  /** Unit of the rate, e.g. "msg/s". */
  unit: string;
  /** Runs per point; above 1 a note explains the median and range. */
  repeat: number;
  rows: ComparisonRow[];
}

/**
 * Prints the side-by-side table: key, N, both rates, the ratio ours/theirs and our peak RSS.
 * Rows with neither side are left out.
 */
export function printComparison(t: Comparison): void {
  const rows: string[][] = [[t.keyHeader, 'N', `${t.ours} ${t.unit}`, `${t.theirs} ${t.unit}`, 'ratio', `${t.ours} peak RSS`]];
  for (const { key, ours, theirs } of t.rows) {
    if (!ours && !theirs) continue;
    rows.push([
      key,
      String((ours ?? theirs)?.count ?? ''),
      fmtRate(ours),
      fmtRate(theirs),
      ours && theirs ? `${(ours.rate / theirs.rate).toFixed(2)}×` : '-',
      ours?.peakRssKiB !== undefined ? `${(ours.peakRssKiB / 1024).toFixed(0)} MiB` : '-',
    ]);
  }
  printTable(rows);
  if (t.repeat > 1) console.log(`(median of ${t.repeat} runs, min–max in brackets; peak RSS is the largest)`);
}

/**
 * Prints rows as an aligned text table: the first row is the header, the first column is
 * left-aligned and the others right-aligned (or all left-aligned with `alignLeft`).
 */
export function printTable(rows: string[][], alignLeft = false): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r.map((cell, i) => (i === 0 || alignLeft ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

/** The p-th percentile (0–100) of xs, nearest-rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
