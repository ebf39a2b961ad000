import type { DataSourceConfig } from '../../shared/config/index.js';
import { DataError } from '../../shared/errors/index.js';
import { labelClassCount, loadDataSource, type Dataset } from '../../shared/data/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { ClientCapabilities } from '../../shared/proto/index.js';
import type { Rng } from '../../shared/random/index.js';
import {
  encodedWidth,
  loadDataSchema,
  loadTable,
  schemaSha256,
  type DataSchema,
  type Table,
} from '../../shared/tabular/index.js';
import { injectLabelNoise, type LabelNoise } from '../attacks/index.js';

/**
 * A site's local data as its daemon loaded it at start: numbers a model takes as they are (the bundled digits, a
 * numeric CSV, an IDX pair), or a table read against the run's data schema (`--schema`), encoded for each run once the
 * run's feature statistics are known (runDataset).
 */
export type SiteData =
  | { readonly kind: 'dataset'; readonly dataset: Dataset }
  | { readonly kind: 'table'; readonly table: Table; readonly schemaSha256: string };

/** What a site's Join says about its data (ClientCapabilities without the backend and the protocol revision). */
export type SiteCapabilities = Omit<ClientCapabilities, 'backend' | 'protocolVersion'>;

/**
 * Loads a site's data as its data source says (I/O). A CSV with a `schema` is read against that schema file: the
 * columns the schema does not name are logged once, and so are the rows its `drop` policy left out. Without a schema
 * the labels need only be non-negative integers; they are checked against a run's model when the run selects the site.
 * @throws {DataError} naming the file, the column and the first bad row (a missing column, text in a numeric column,
 *         an unknown category, a label outside the class list, a missing value under `error`), data that cannot be
 *         read, or no rows at all; {ConfigError} for an unreadable or invalid schema file.
 */
export function loadSiteData(source: DataSourceConfig, logger: Logger): SiteData {
  if (source.kind !== 'csv' || source.schema === undefined)
    return { kind: 'dataset', dataset: nonEmpty(loadDataSource(source), source) };
  return loadSiteTable(source.path, loadDataSchema(source.schema), logger.child({ schema: source.schema }));
}

/**
 * Reads a site's CSV against a data schema already in hand (I/O), as loadSiteData does for `--data` with `--schema`:
 * the columns the schema does not name and the rows its `drop` policy left out are logged once.
 * @throws {DataError} naming the file, the column and the first bad row (a missing column, text in a numeric column,
 *         an unknown category, a label outside the class list, a missing value under `error`), a file that cannot be
 *         read, or no rows at all.
 */
export function loadSiteTable(path: string, schema: DataSchema, logger: Logger): SiteData {
  return siteTable(loadTable(path, schema), path, logger);
}

/**
 * A table already read (loadTable / parseTable) as a site's data: the checks and logs of loadSiteTable, for a caller
 * that holds the CSV's rows for more than the table. `path` names the file in messages and logs.
 * @throws {DataError} naming the file when no row is left to train on.
 */
export function siteTable(table: Table, path: string, logger: Logger): SiteData {
  if (table.numRows === 0)
    throw new DataError(`${path}: no rows to train on (${table.droppedRows} dropped for missing values)`);
  const log = logger.child({ data: path });
  if (table.ignoredColumns.length)
    log.info({ ignoredColumns: table.ignoredColumns }, 'columns the data schema does not name are ignored');
  if (table.droppedRows > 0)
    log.warn(
      { droppedRows: table.droppedRows, rows: table.numRows },
      `rows dropped: a missing value under the schema's "drop" policy, or a missing label`,
    );
  return { kind: 'table', table, schemaSha256: schemaSha256(table.schema) };
}

/** `ds`, when it holds an example. @throws {DataError} naming the file when it holds none (a header-only CSV). */
function nonEmpty(ds: Dataset, source: DataSourceConfig): Dataset {
  if (ds.labels.length > 0) return ds;
  const file = source.kind === 'csv' ? source.path : source.kind === 'idx' ? source.images : source.kind;
  throw new DataError(`${file}: no examples to train on`);
}

/** The site's labels [n]: class indices (the schema's class order for a table). */
export function siteLabels(site: SiteData): Int32Array {
  return site.kind === 'table' ? site.table.labels : site.dataset.labels;
}

/**
 * What the site's Join declares: its example count, values per example (a table's encoded width), the classes its
 * labels need (1 + the largest), and the schema its table was read with ('' without one).
 */
export function siteCapabilities(site: SiteData): SiteCapabilities {
  const labels = siteLabels(site);
  return {
    numExamples: labels.length,
    numFeatures: site.kind === 'table' ? encodedWidth(site.table.schema) : site.dataset.numFeatures,
    numLabelClasses: labelClassCount(labels),
    schemaSha256: site.kind === 'table' ? site.schemaSha256 : '',
  };
}

/**
 * Fault injection for label-noise experiments: the site with a share of its labels flipped (client-node/attacks),
 * among the schema's classes for a table, else the dataset's classes. The input is not modified.
 * @returns the noisy site and the mask of flipped samples (1 = flipped), to score label-issue detection against.
 */
export function withLabelNoise(
  site: SiteData,
  noise: Pick<LabelNoise, 'kind' | 'rate'>,
  rng: Rng,
): { site: SiteData; flipped: Uint8Array } {
  const numClasses = site.kind === 'table' ? site.table.schema.label.classes.length : site.dataset.numClasses;
  const { labels, flipped } = injectLabelNoise(siteLabels(site), numClasses, noise, rng);
  const noisy: SiteData =
    site.kind === 'table'
      ? { ...site, table: { ...site.table, labels } }
      : { ...site, dataset: { ...site.dataset, labels } };
  return { site: noisy, flipped };
}
