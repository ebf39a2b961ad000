import { readCsvRows } from '../data/index.js';
import { DataError } from '../errors/index.js';
import { isMissing } from './missing.js';
import { categoricalColumns, numericColumns, type DataSchema } from './schema.js';

/**
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
  /** Rows left out: by the `drop` policy (any missing cell), or a missing label under `drop` or `impute-mean`. */
  readonly droppedRows: number;
  /** Header columns the schema does not name (a date, an id): ignored. */
  readonly ignoredColumns: readonly string[];
}

/** A decimal number as written in a CSV (no hex, no Infinity, no empty string, which Number() would all accept). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Names in a message beyond which a list is cut short (a wide table would print kilobytes). */
const MAX_NAMED = 20;

function quotedList(items: readonly string[]): string {
  const shown = items.slice(0, MAX_NAMED).map((s) => `"${s}"`);
  return items.length > MAX_NAMED ? `${shown.join(', ')}, … (${items.length} in all)` : shown.join(', ');
}

/**
 * One schema column read from its header position: `value` turns a trimmed, non-missing cell into the number stored
 * in the table, or returns the problem with it.
 */
interface ColumnReader {
  readonly name: string;
  readonly index: number;
  value(cell: string): number | string;
}

function numberReader(name: string, index: number): ColumnReader {
  const value = (cell: string) => {
    const v = Number(cell);
    return DECIMAL.test(cell) && Number.isFinite(v) ? v : `"${cell}" is not a number`;
  };
  return { name, index, value };
}

function choiceReader(name: string, index: number, choices: readonly string[], what: string): ColumnReader {
  const position = new Map(choices.map((c, i) => [c, i]));
  const value = (cell: string) => position.get(cell) ?? `"${cell}" is not ${what} (${quotedList(choices)})`;
  return { name, index, value };
}

/**
 * Finds every schema column in the header. @throws {DataError} naming the columns it lacks (and the header's), or a
 * schema column the header holds twice.
 */
function readHeader(header: readonly string[], schema: DataSchema, where: string) {
  const named = [...schema.features.map((f) => f.name), schema.label.column];
  const absent = named.filter((n) => !header.includes(n));
  if (absent.length) {
    throw new DataError(
      `${where}: no column ${quotedList(absent)} of the schema; the header has ${quotedList(header)}`,
    );
  }
  const twice = named.find((n) => header.indexOf(n) !== header.lastIndexOf(n));
  if (twice !== undefined) throw new DataError(`${where}, column "${twice}": twice in the header`);
  const at = (n: string) => header.indexOf(n);
  return {
    numeric: numericColumns(schema).map((f) => numberReader(f.name, at(f.name))),
    categorical: categoricalColumns(schema).map((f) =>
      choiceReader(f.name, at(f.name), f.categories, 'a category of the schema'),
    ),
    label: choiceReader(schema.label.column, at(schema.label.column), schema.label.classes, 'a class of the schema'),
    ignoredColumns: header.filter((h) => !named.includes(h)),
  };
}

/**
 * Reads parsed CSV rows against a schema. rows[i] is physical line i + 1 of `source` (rows[0] the header), so messages
 * name real lines; blank lines are skipped; cells are trimmed. Under `missing: "error"` a missing cell (see
 * MISSING_MARKERS) is an error; under `drop` its row is dropped; under `impute-mean` it is kept as NaN / −1 for
 * encodeTable to fill (a missing label drops the row under both). A row is checked whole before it is dropped: a bad
 * cell is an error under every policy.
 * @param source names the table in messages. @default "CSV"
 * @throws {DataError} whose message names the source, the column and the first bad line: a schema column missing from
 *         the header (naming the header's columns), a text value in a numeric column, a category not in the schema's
 *         list, a label outside the class list, a missing value under `error`, a row with another cell count.
 */
export function parseTable(rows: string[][], schema: DataSchema, source = 'CSV'): Table {
  const lines = rows
    .map((row, i) => ({ cells: row.map((c) => c.trim()), line: i + 1 }))
    .filter(({ cells }) => !(cells.length === 0 || (cells.length === 1 && cells[0] === '')));
  const header = lines.shift();
  if (!header) throw new DataError(`${source}: empty file`);
  const columns = readHeader(header.cells, schema, `${source} line ${header.line}`);
  const features = [...columns.numeric, ...columns.categorical];
  const numNumeric = columns.numeric.length;
  const numCategorical = columns.categorical.length;
  const numeric = new Float64Array(lines.length * numNumeric);
  const categorical = new Int32Array(lines.length * numCategorical);
  const labels = new Int32Array(lines.length);
  let kept = 0;
  for (const { cells, line } of lines) {
    if (cells.length !== header.cells.length) {
      throw new DataError(`${source} line ${line}: ${cells.length} cells, the header has ${header.cells.length}`);
    }
    const read = (col: ColumnReader): number | undefined => {
      const cell = cells[col.index]!;
      if (isMissing(cell)) {
        if (schema.missing !== 'error') return undefined;
        const policy = `the schema's missing policy is "error"; "drop" or "impute-mean" accept it`;
        throw new DataError(`${source} line ${line}, column "${col.name}": missing value "${cell}" (${policy})`);
      }
      const v = col.value(cell);
      if (typeof v === 'string') throw new DataError(`${source} line ${line}, column "${col.name}": ${v}`);
      return v;
    };
    const values = features.map(read);
    const label = read(columns.label);
    if (label === undefined || (schema.missing === 'drop' && values.includes(undefined))) continue;
    values.forEach((v, k) => {
      if (k < numNumeric) numeric[kept * numNumeric + k] = v ?? NaN;
      else categorical[kept * numCategorical + k - numNumeric] = v ?? -1;
    });
    labels[kept++] = label;
  }
  return {
    schema,
    numRows: kept,
    numeric: numeric.slice(0, kept * numNumeric),
    categorical: categorical.slice(0, kept * numCategorical),
    labels: labels.slice(0, kept),
    droppedRows: lines.length - kept,
    ignoredColumns: columns.ignoredColumns,
  };
}

/**
 * Reads a CSV file (header row; a spreadsheet's UTF-8 byte-order mark goes with the trimming) against a schema (I/O
 * around parseTable); the file's path names it in messages.
 * @throws {DataError} as parseTable, or when the file is unreadable or not CSV.
 */
export function loadTable(path: string, schema: DataSchema): Table {
  return parseTable(readCsvRows(path, { trim: false }), schema, path);
}
