import type { DataSchema } from './schema.js';
import type { Table } from './table.js';

/**
 * SPINE STUB (issue 15) — helper H1 implements this file.
 *
 * Federated feature statistics: each site sums its own rows (never sends them); the coordinator combines the sums
 * into global means, standard deviations and category frequencies. Shapes mirror the fedsift.v1 messages
 * NumericColumnStatistics / CategoryCounts / GlobalNumericColumn / GlobalCategories field for field.
 */
export interface NumericSums {
  name: string;
  /** non-missing cells */
  count: number;
  sum: number;
  sumSquares: number;
  /** 0 when count is 0 */
  min: number;
  max: number;
}
export interface CategorySums {
  name: string;
  /** per category, in the schema's order */
  counts: number[];
  missing: number;
}
/** One site's statistics: its row count and the sums of every schema feature, in the schema's order. */
export interface SiteSums {
  rows: number;
  numeric: NumericSums[];
  categorical: CategorySums[];
}
export interface GlobalNumeric {
  name: string;
  count: number;
  mean: number;
  /** population standard deviation √(Σx²/n − mean²), computed without cancellation beyond float64 rounding */
  std: number;
  min: number;
  max: number;
}
export interface GlobalCategorical {
  name: string;
  counts: number[];
  /** counts / non-missing cells (0 when none) */
  frequencies: number[];
}
/** The run's global statistics (RunSpec.statistics, RunStatus.feature_statistics). */
export interface GlobalStatistics {
  sites: number;
  rows: number;
  numeric: GlobalNumeric[];
  categorical: GlobalCategorical[];
}

/** A site's sums over its table (pure). */
export declare function siteStatistics(table: Table): SiteSums;
/**
 * Why `s` cannot be combined under `schema` (other column names or order, a wrong number of categories, a negative
 * or non-integer count, non-finite sums, count > rows…), or undefined when it can. The coordinator refuses such
 * statistics with INVALID_ARGUMENT and this reason.
 */
export declare function statisticsProblem(schema: DataSchema, s: SiteSums): string | undefined;
/**
 * Combines sites' sums: mean = Σsum/Σcount, std = √(Σsumsq/Σcount − mean²) (population), min/max over sites,
 * category counts summed. Equal to the pooled table's statistics up to float64 rounding.
 * @see Chan, Golub & LeVeque 1983, "Algorithms for computing the sample variance" (pairwise combination).
 * @throws {DataError} when no site has rows, or a site's sums do not fit the schema (statisticsProblem).
 */
export declare function combineStatistics(schema: DataSchema, sites: readonly SiteSums[]): GlobalStatistics;
