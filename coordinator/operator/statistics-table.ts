import type { FeatureStatistics } from '../../shared/proto/index.js';

/** A number in the table: 4 decimals, or '—' when not finite (a column without a value). */
const cell = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '—');
const share = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Category names of each categorical column of a run config's data schema, by column name (from its JSON). */
function categoryNames(configJson: string): Map<string, readonly string[]> {
  try {
    const { schema } = JSON.parse(configJson) as { schema?: { features?: { name: string; categories?: string[] }[] } };
    return new Map((schema?.features ?? []).map((f) => [f.name, f.categories ?? []]));
  } catch {
    return new Map(); // a status without its config: categories by index
  }
}

/**
 * The run's global feature statistics as `fedsift run status` prints them: a header line, one row per numeric column
 * (count of non-missing cells, mean, population standard deviation, min, max), then one line per categorical column
 * with each category's count and frequency (names from the run config's schema, else `#index`).
 */
export function formatFeatureStatistics(stats: FeatureStatistics, configJson: string): string[] {
  const names = categoryNames(configJson);
  const nameWidth = Math.max(
    6,
    ...stats.numeric.map((c) => c.name.length),
    ...stats.categorical.map((c) => c.name.length),
  );
  const cols = (cells: (string | number)[]) => cells.map((c) => String(c).padStart(12)).join('');
  const lines = [
    `feature statistics (round 0): ${stats.sites} sites, ${stats.rows} rows`,
    `  ${'column'.padEnd(nameWidth)}${cols(['count', 'mean', 'std', 'min', 'max'])}`,
    ...stats.numeric.map(
      (c) => `  ${c.name.padEnd(nameWidth)}${cols([c.count, cell(c.mean), cell(c.std), cell(c.min), cell(c.max)])}`,
    ),
  ];
  for (const c of stats.categorical) {
    const labels = names.get(c.name) ?? [];
    const parts = c.counts.map((n, i) => `${labels[i] ?? `#${i}`} ${n} (${share(c.frequencies[i] ?? 0)})`);
    lines.push(`  ${c.name.padEnd(nameWidth)}  ${parts.join(' · ')}`);
  }
  return lines;
}
