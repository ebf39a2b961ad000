/**
 * Pure statistics of experiment arms over rounds and seeds: no I/O, plain arrays in, plain objects out.
 */

/** Mean of the last `k` values (all of them when fewer); NaN for none. */
export function meanOfLast(values: readonly number[], k: number): number {
  const last = values.slice(-k);
  return last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN;
}

/** A ratio as a percentage with 2 decimals, or "—" for NaN/undefined. */
export function pct(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(2)}%`;
}

/**
 * Mean and sample standard deviation (n − 1) of the finite values; a failed seed passes NaN and is not counted, so
 * callers show `n` next to the mean. NaN mean and std 0 when no value is finite; std 0 for one value.
 */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const v = values.filter(Number.isFinite);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}

/** "mean ± sd" as percentages (sd in points), or "—" when no value counted. */
export function pctMeanStd(s: { mean: number; std: number; n: number }): string {
  return s.n ? `${pct(s.mean)} ± ${(s.std * 100).toFixed(2)}` : '—';
}

/**
 * Smallest clean − noisy accuracy gap (ratio) that gap closed divides by: below it the gap is reported unavailable
 * rather than divided by ~0. One test digit of 2,000 is 5e-4, so this only catches float noise and exact ties.
 */
export const MIN_GAP = 1e-6;

/** Share of the noisy→clean gap an arm closes, or why it cannot be computed. */
export type GapClosed = { ok: true; ratio: number } | { ok: false; reason: string };

/**
 * Share of the noisy→clean accuracy gap a variant closes: (variant − noisy) / (clean − noisy), all three accuracies
 * as ratios of the same seed (or their means over the same seeds). 1 = the variant reaches the clean ceiling, 0 = no
 * better than plain training on noisy labels, negative = worse; above 1 = better than the clean run.
 * @returns `{ ok: false }` with the reason when an accuracy is not finite, or when clean − noisy ≤ `minGap` (no gap,
 *   or a negative one: the noise did not hurt, so there is nothing to close).
 */
export function gapClosed(variant: number, noisy: number, clean: number, minGap = MIN_GAP): GapClosed {
  if (![variant, noisy, clean].every(Number.isFinite)) return { ok: false, reason: 'an accuracy is not finite' };
  const gap = clean - noisy;
  if (gap <= minGap) return { ok: false, reason: `no gap to close: clean ${pct(clean)} ≤ noisy ${pct(noisy)}` };
  return { ok: true, ratio: (variant - noisy) / gap };
}

/** A GapClosed as a table cell: the percentage, or "— (reason)". */
export function gapCell(g: GapClosed): string {
  return g.ok ? pct(g.ratio) : `— (${g.reason})`;
}
