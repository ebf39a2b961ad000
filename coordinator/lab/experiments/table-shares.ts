import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { siteTable } from '../../../client-node/data/index.js';
import { readCsvRows } from '../../../shared/data/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { loadDataSchema, parseTable, type DataSchema } from '../../../shared/tabular/index.js';
import { splitTableRows } from './table-split.js';

/** Share of a table's rows held out as the coordinator's test table (as `fedsift example` does). */
export const TABLE_TEST_SHARE = 0.2;

/** Hidden layer of the tabular MLP that a built-in `mlp` becomes on a table (its inputs and classes: the schema's). */
export const TABLE_MLP = 'mlp:64';

/** A CSV table the experiment federates, read and checked at start. */
export interface NoiseTable {
  /** Absolute paths of the CSV and of the schema file. */
  data: string;
  schemaPath: string;
  schema: DataSchema;
  /** The CSV's rows as read (readCsvRows), the header first. */
  rows: string[][];
}

/** What one seed's split wrote (absolute paths). */
export interface TableFiles {
  sites: string[];
  test: string;
}

/**
 * Reads `--schema`, then reads `--data` once: its rows, kept raw for the per-seed splits, are parsed against the schema
 * as a daemon would (parseTable, siteTable), so a bad CSV fails before any process starts.
 * @throws {ConfigError} when only one of the two is given; {DataError} or {ConfigError} from the schema or the CSV,
 *         naming the file, line and column.
 */
export function loadNoiseTable(data: string, schemaPath: string, logger: Logger): NoiseTable {
  const schema = loadDataSchema(schemaPath);
  const rows = readCsvRows(data, { trim: false });
  siteTable(parseTable(rows, schema, data), data, logger);
  return { data: resolve(data), schemaPath: resolve(schemaPath), schema, rows };
}

/** The run config's model on a table: a built-in `mlp` becomes TABLE_MLP. @throws {ConfigError} for `cnn` (images only). */
export function tableModelRef(model: string): string {
  if (model === 'mlp') return TABLE_MLP;
  if (model === 'cnn')
    throw new ConfigError('--model cnn takes 28×28 images, not a table: use mlp or mlp:<hidden sizes>', {
      field: 'model',
    });
  return model;
}

/** Writes one seed's split of the table (splitTableRows) into `dir`: `test.csv` and `site-<i>.csv`, header on each. */
export function writeTableSplit(
  table: NoiseTable,
  dir: string,
  o: { clients: number; alpha: number; seed: number },
): TableFiles {
  mkdirSync(dir, { recursive: true });
  const split = splitTableRows(table.rows, table.schema.label, { ...o, testShare: TABLE_TEST_SHARE });
  const write = (name: string, rows: string[][]) => {
    const path = join(dir, name);
    writeFileSync(path, stringify([split.header, ...rows]));
    return path;
  };
  return { test: write('test.csv', split.test), sites: split.shares.map((rows, i) => write(`site-${i}.csv`, rows)) };
}
