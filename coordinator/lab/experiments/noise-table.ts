import { gapCell, pct, pctMeanStd } from './arm-stats.js';
import { COMPLETED, NO_CEILING, type NoiseArm, type NoiseSummaryRow } from './noise-results.js';

/** Header of the per-arm table (one row per model, seed, noise and variant, printed as each arm ends). */
export const ARM_TABLE_HEADER = [
  '| model | seed | noise | arm | final acc | best acc | mean last 5 | gap closed | precision (noisy sites) | recall (noisy sites) | AUROC (noisy sites) | flagged on clean sites | weighting overhead | wall |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

/** Text made safe for a markdown table cell: no pipe or line break from an error message breaks the row. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** "mean (min)" of per-site values, as percentages. */
function meanMin(values: number[] | undefined): string {
  const v = values?.filter((x) => !Number.isNaN(x)) ?? [];
  return v.length ? `${pct(v.reduce((a, b) => a + b, 0) / v.length)} (min ${pct(Math.min(...v))})` : '—';
}

/**
 * One arm's row of the per-arm table. A failed arm says so in its arm cell with the number of attempts and the last
 * reason; one that completed on its retry names the first attempt's failure. Its gap cell shows why the gap is
 * unavailable when it is (a variant arm only; plain and clean arms show "—").
 */
export function armRow(a: NoiseArm): string {
  const status =
    a.state !== COMPLETED
      ? ` — FAILED after ${a.attempts} attempt(s): ${a.error}`
      : a.failures.length
        ? ` (retried; attempt 1: ${a.failures[0]})`
        : '';
  const gap = a.gapUnavailable !== undefined ? `— (${a.gapUnavailable})` : pct(a.gapClosed);
  const cells = [
    a.model,
    String(a.seed),
    a.noise,
    a.variant + status,
    pct(a.finalAccuracy),
    pct(a.bestAccuracy),
    pct(a.meanLast5),
    gap,
    meanMin(a.noisySites?.precision),
    meanMin(a.noisySites?.recall),
    meanMin(a.noisySites?.auroc),
    pct(a.cleanFlaggedShare),
    pct(a.overhead),
    `${a.wallSeconds.toFixed(0)} s`,
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

/**
 * The summary table: per model and arm, the completed seeds (and each failed seed with its reason), final accuracy
 * and mean of the last 5 rounds as mean ± sample sd over the completed seeds (sd in points), the gap closed per seed
 * and on the paired means (by mean of the last 5). A note above the table says when the ceiling arm was skipped.
 * @param seeds the seeds planned, so "2/3" counts against all of them
 */
export function summaryTable(rows: readonly NoiseSummaryRow[], seeds: readonly number[], ceiling: boolean): string[] {
  const note = ceiling
    ? []
    : [`Clean-label ceiling arm skipped (--no-ceiling): gap closed unavailable (${NO_CEILING}).`, ''];
  return [
    ...note,
    '| model | noise | arm | seeds completed | final acc (mean ± sd) | mean last 5 (mean ± sd) | gap closed per seed (by mean last 5) | gap closed on the mean |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const done = `${seeds.length - r.failed.length}/${seeds.length}`;
      const failed = r.failed.map((f) => `seed ${f.seed} failed: ${f.reason}`).join('; ');
      const perSeed = r.gapPerSeed?.map((g) => `${g.seed}: ${gapCell(g.gap)}`).join(', ') ?? '—';
      const onMean = r.gapOfMeans
        ? gapCell(r.gapOfMeans.gap) +
          (r.gapOfMeans.gap.ok && r.gapOfMeans.seeds.length < seeds.length
            ? ` (seeds ${r.gapOfMeans.seeds.join(', ')} only)`
            : '')
        : '—';
      const cells = [
        r.model,
        r.noise,
        r.variant,
        failed ? `${done} (${failed})` : done,
        pctMeanStd(r.finalAccuracy),
        pctMeanStd(r.meanLast5),
        perSeed,
        onMean,
      ];
      return `| ${cells.map(cell).join(' | ')} |`;
    }),
  ];
}
