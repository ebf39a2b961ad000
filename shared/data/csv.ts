import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DataError } from '../errors/index.js';
import { labelClassCount, type Dataset } from './dataset.js';

/** Header columns a missing-label-column error names before it counts the rest. */
const MAX_COLUMNS_NAMED = 8;

/** Options for {@link loadCsv}. */
export interface CsvOptions {
  /** Header name of the label column (integer class index). @default "label" */
  labelColumn?: string;
  /** Every feature value is multiplied by this (e.g. 1/255 for 0–255 pixels). @default 1 */
  featureScale?: number;
  /**
   * Classes of the model the data feeds: labels must lie in [0, numClasses). Undefined when the model is not known
   * yet (a site's daemon at start): labels need only be non-negative integers, and the dataset's numClasses is
   * 1 + the largest label (labelClassCount), checked against a run's model when a run selects the site.
   */
  numClasses?: number;
}

/**
 * Reads a CSV file with a header row: one column holds the integer label, every other column a numeric feature.
 * @returns a dataset with numFeatures = columns − 1 and numClasses = opts.numClasses, or 1 + the largest label.
 * @throws {DataError} for a missing label column, a non-numeric cell or a label that is not a class index (outside
 *         [0, numClasses), or negative or fractional) — naming the line and column.
 */
export function loadCsv(path: string, opts: CsvOptions): Dataset {
  return parseCsvRows(readCsvRows(path, { trim: true }), opts, path);
}

/**
 * The rows of a CSV file as text cells; rows[i] is physical line i + 1 (blank lines kept, as [''], for line numbers).
 * @param o.trim trim the cells' surrounding spaces while parsing.
 * @throws {DataError} naming the file when it cannot be read or parsed as CSV.
 */
export function readCsvRows(path: string, o: { trim: boolean }): string[][] {
  try {
    return parse(readFileSync(path), { skip_empty_lines: false, relax_column_count: true, trim: o.trim }) as string[][];
  } catch (err) {
    throw new DataError(`cannot read CSV ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Pure part of {@link loadCsv}: rows[i] is physical line i + 1 (so messages name real lines); blank lines are skipped. */
export function parseCsvRows(allRows: string[][], opts: CsvOptions, source = 'CSV'): Dataset {
  const numbered = allRows
    .map((row, i) => ({ row, line: i + 1 }))
    .filter(({ row }) => !(row.length === 1 && row[0] === ''));
  const header = numbered[0]?.row;
  if (!header) throw new DataError(`${source}: empty file`);
  const labelName = opts.labelColumn ?? 'label';
  const labelIdx = header.indexOf(labelName);
  if (labelIdx < 0) {
    // A wide table (784 pixel columns) would print kilobytes: name a few columns, and the flag that picks the label.
    const shown = header.slice(0, MAX_COLUMNS_NAMED).map((h) => `"${h}"`);
    const more = header.length > MAX_COLUMNS_NAMED ? `, … (${header.length} columns)` : '';
    throw new DataError(
      `${source}: no label column "${labelName}"; the header starts ${shown.join(', ')}${more}. ` +
        'Name the label column with --label-column (labelColumn in a data source config)',
      { field: 'labelColumn' },
    );
  }
  const scale = opts.featureScale ?? 1;
  const numFeatures = header.length - 1;
  const n = numbered.length - 1;
  const features = new Float32Array(n * numFeatures);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const { row, line } = numbered[r + 1]!;
    if (row.length !== header.length)
      throw new DataError(`${source} line ${line}: ${row.length} cells, header has ${header.length}`);
    let f = 0;
    row.forEach((cell, c) => {
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v))
        throw new DataError(`${source} line ${line}, column "${header[c]}": "${cell}" is not a finite number`);
      if (c === labelIdx) {
        const limit = opts.numClasses ?? Infinity;
        if (!Number.isInteger(v) || v < 0 || v >= limit) {
          const range = opts.numClasses === undefined ? 'a non-negative integer' : `in [0, ${opts.numClasses})`;
          throw new DataError(
            `${source} line ${line}, column "${labelName}": label ${cell} is not a class index ${range}`,
          );
        }
        labels[r] = v;
      } else {
        features[r * numFeatures + f++] = v * scale;
      }
    });
  }
  return { features, labels, numFeatures, numClasses: opts.numClasses ?? labelClassCount(labels) };
}
