import type { Dataset } from '../data/index.js';
import { DataError } from '../errors/index.js';
import { categoricalColumns, encodedWidth, numericColumns, type DataSchema } from './schema.js';
import { columnsProblem, type GlobalStatistics } from './statistics.js';
import type { Table } from './table.js';

/**
 * Whether encoding this schema's tables needs global statistics: to standardise (standardize and at least one numeric
 * feature), or to impute (the impute-mean policy).
 */
export function needsStatistics(schema: DataSchema): boolean {
  return schema.missing === 'impute-mean' || (schema.standardize && schema.features.some((f) => f.kind === 'numeric'));
}

/** The statistics encodeTable uses, checked against the schema. @throws {DataError} */
function usableStatistics(schema: DataSchema, stats: GlobalStatistics | undefined): GlobalStatistics {
  if (!stats) {
    throw new DataError(
      `encoding this table needs the run's global statistics (standardize: ${schema.standardize}, ` +
        `missing: "${schema.missing}"), and there are none`,
    );
  }
  const problem =
    columnsProblem(schema, stats.numeric, stats.categorical) ??
    stats.numeric
      .filter((g) => !Number.isFinite(g.mean) || !(g.std >= 0 && Number.isFinite(g.std)))
      .map((g) => `numeric "${g.name}": mean ${g.mean}, std ${g.std}`)[0];
  if (problem) throw new DataError(`the global statistics do not fit the run's data schema: ${problem}`);
  return stats;
}

/** Index of the largest count (the first on a tie): the globally most frequent category. */
function mode(counts: readonly number[]): number {
  return counts.reduce((best, c, i) => (c > counts[best]! ? i : best), 0);
}

/**
 * Encodes a table as model inputs, identically on every site: numeric columns z-scored with the global mean and std
 * when schema.standardize (std 0 → divide by 1), missing numerics (impute-mean) replaced by the global mean (so 0 once
 * standardised); categorical columns one-hot in the schema's category order, a missing category (impute-mean)
 * replaced by the globally most frequent one (the first of equals). Column order: the schema's features in order, each
 * expanded. `stats` is ignored when needsStatistics(schema) is false.
 * @returns a Dataset with numFeatures = encodedWidth(schema), numClasses = schema.label.classes.length; features
 *          float32 [numRows × numFeatures], labels copied from the table.
 * @throws {DataError} when needsStatistics(schema) and `stats` is absent, or it does not match the schema (names,
 *         order, category counts, a non-finite mean or std).
 */
export function encodeTable(table: Table, stats: GlobalStatistics | undefined): Dataset {
  const { schema } = table;
  const global = needsStatistics(schema) ? usableStatistics(schema, stats) : undefined;
  const numeric = global?.numeric ?? [];
  // Without statistics there is nothing missing to fill (error / drop policies) and nothing to scale.
  const fill = numeric.map((g) => g.mean);
  const shift = numeric.map((g) => (schema.standardize ? g.mean : 0));
  const scale = numeric.map((g) => (schema.standardize && g.std > 0 ? g.std : 1));
  const modes = (global?.categorical ?? []).map((g) => mode(g.counts));
  const numNumeric = numericColumns(schema).length;
  const numCategorical = categoricalColumns(schema).length;
  const width = encodedWidth(schema);
  const features = new Float32Array(table.numRows * width);
  for (let r = 0; r < table.numRows; r++) {
    let out = r * width;
    let k = 0;
    let j = 0;
    for (const f of schema.features) {
      if (f.kind === 'numeric') {
        const v = table.numeric[r * numNumeric + k]!;
        features[out++] = ((Number.isNaN(v) ? fill[k]! : v) - (shift[k] ?? 0)) / (scale[k] ?? 1);
        k++;
      } else {
        const c = table.categorical[r * numCategorical + j]!;
        features[out + (c < 0 ? modes[j]! : c)] = 1;
        out += f.categories.length;
        j++;
      }
    }
  }
  return { features, labels: table.labels.slice(), numFeatures: width, numClasses: schema.label.classes.length };
}
