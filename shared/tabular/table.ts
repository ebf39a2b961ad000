import type { DataSchema } from './schema.js';

/**
 * SPINE STUB (issue 15) — helper H1 implements this file.
 *
 * A site's table read against a data schema, before any scaling: numeric cells as numbers (NaN where missing), each
 * categorical cell as its category's index in the schema (−1 where missing), the label as its class index.
 * Rows dropped by the `drop` policy are not in it (counted in droppedRows).
 */
export interface Table {
  readonly schema: DataSchema;
  readonly numRows: number;
  /** [numRows × numeric columns] row-major, columns in the schema's order of its numeric features; NaN = missing. */
  readonly numeric: Float64Array;
  /** [numRows × categorical columns] row-major, category index in the schema's list; −1 = missing. */
  readonly categorical: Int32Array;
  /** [numRows] class index in schema.label.classes. */
  readonly labels: Int32Array;
  /** Rows left out by the `drop` policy (any missing cell, or a missing label). */
  readonly droppedRows: number;
  /** Header columns the schema does not name (a date, an id): ignored. */
  readonly ignoredColumns: readonly string[];
}

/**
 * Cells that stand for a missing value (after trimming): empty, NA, N/A, null, NULL, NaN, ?.
 */
export declare const MISSING_MARKERS: readonly string[];

/**
 * Reads parsed CSV rows against a schema. rows[i] is physical line i + 1 of `source` (rows[0] the header); blank
 * lines are skipped. Under `missing: "error"` a missing cell is an error; under `drop` its row is dropped; under
 * `impute-mean` it is kept as NaN / −1 for encodeTable to fill (a missing label drops the row under both).
 * @throws {DataError} whose message names the source, the column and the first bad line: a schema column missing from
 *         the header (naming the header's columns), a text value in a numeric column, a category not in the schema's
 *         list, a label outside the class list, a missing value under `error`, a row with another cell count.
 */
export declare function parseTable(rows: string[][], schema: DataSchema, source?: string): Table;

/** Reads a CSV file (header row) against a schema (I/O around parseTable). @throws {DataError} as parseTable, or unreadable. */
export declare function loadTable(path: string, schema: DataSchema): Table;
