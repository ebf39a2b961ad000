import type { Dataset } from '../data/index.js';
import type { GlobalStatistics } from './statistics.js';
import type { Table } from './table.js';

/**
 * SPINE STUB (issue 15) — helper H1 implements this file.
 *
 * Encodes a table as model inputs, identically on every site: numeric columns z-scored with the global mean and std
 * when schema.standardize (std 0 → divide by 1), missing numerics (impute-mean) replaced by the global mean (so 0 once
 * standardised); categorical columns one-hot in the schema's category order, a missing category (impute-mean)
 * replaced by the globally most frequent one. Column order: the schema's features in order, each expanded.
 * @returns a Dataset with numFeatures = encodedWidth(schema), numClasses = schema.label.classes.length.
 * @throws {DataError} when `stats` is needed (standardize, or a missing value to impute) but absent, or does not
 *         match the schema.
 */
export declare function encodeTable(table: Table, stats: GlobalStatistics | undefined): Dataset;
/** Whether encoding this schema's tables needs global statistics (standardize, or the impute-mean policy). */
export declare function needsStatistics(schema: import('./schema.js').DataSchema): boolean;
