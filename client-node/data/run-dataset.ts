import { assertFitsModel, type Dataset } from '../../shared/data/index.js';
import { DataError } from '../../shared/errors/index.js';
import { inputSizeOf } from '../../shared/models/index.js';
import type { RunSpec } from '../../shared/proto/index.js';
import {
  encodeTable,
  parseDataSchema,
  schemaSha256,
  siteStatistics,
  type SiteSums,
} from '../../shared/tabular/index.js';
import type { SiteData } from './site-data.js';

/**
 * The site's examples as a run's model takes them (pure): a table encoded with the run's global feature statistics
 * (z-scores, imputed means, one-hot categories; shared/tabular encodeTable), or the plain dataset checked against the
 * model — values per example = the product of the model's input shape, labels below its class count. The dataset's
 * numClasses is the model's.
 * @throws {DataError} saying why the site cannot train the run: a table read with another schema than the run's (or
 *         none), a run with a schema for a site without one, statistics the encoding needs but the spec lacks, or
 *         data that does not fit the model.
 */
export function runDataset(site: SiteData, spec: RunSpec): Dataset {
  checkRunSchema(site, spec);
  const data = site.kind === 'table' ? encodeTable(site.table, spec.statistics ?? undefined) : site.dataset;
  try {
    assertFitsModel(data, inputSizeOf(spec), spec.numClasses);
  } catch (err) {
    const why = (err as Error).message;
    throw new DataError(`this site's data does not fit the model of run ${spec.runId} (${spec.modelRef}): ${why}`, {
      cause: err,
    });
  }
  return { ...data, numClasses: spec.numClasses };
}

/**
 * The site's feature statistics for round 0 of a run (sums over its rows; shared/tabular siteStatistics).
 * @throws {DataError} when the run has no data schema, or not the one the site's table was read with.
 */
export function runStatistics(site: SiteData, spec: RunSpec): SiteSums {
  checkRunSchema(site, spec);
  if (site.kind !== 'table')
    throw new DataError(`run ${spec.runId} has no data schema: there are no feature statistics to gather`);
  return siteStatistics(site.table);
}

/** What a site sends in round 0 of a run (statisticsToSend). */
export interface StatisticsToSend {
  /** SubmitStatistics' sums: the site's (runStatistics), or only its row count (no columns) when `rowsOnly`. */
  sums: SiteSums;
  /** The site has fewer rows than the schema's minSiteRows: its sums are held back, the coordinator refuses the count. */
  rowsOnly: boolean;
  /** The schema's minSiteRows (0 for a site without a table). */
  minSiteRows: number;
}

/**
 * The sums a site sends for round 0 of a run (pure), the rule of the daemon and of the in-process simulation alike:
 * its sums over its rows (runStatistics), or — with fewer rows than the schema's minSiteRows, which would all but
 * reveal them — only its row count, which the coordinator refuses by design (FAILED_PRECONDITION) and so counts the
 * site as answered at once instead of waiting for the deadline.
 * @throws {DataError} as runStatistics: the run has no data schema, or not the site's.
 */
export function statisticsToSend(site: SiteData, spec: RunSpec): StatisticsToSend {
  const sums = runStatistics(site, spec);
  const minSiteRows = site.kind === 'table' ? site.table.schema.minSiteRows : 0;
  if (sums.rows >= minSiteRows) return { sums, rowsOnly: false, minSiteRows };
  return { sums: { rows: sums.rows, numeric: [], categorical: [] }, rowsOnly: true, minSiteRows };
}

/**
 * Checks the run reads its sites' data as this site read its own: both with the same data schema, or neither with one.
 * @throws {DataError} when one has a schema and the other none, or the schemas differ.
 */
function checkRunSchema(site: SiteData, spec: RunSpec): void {
  const run = `run ${spec.runId}`;
  if (site.kind === 'dataset') {
    if (spec.schemaJson)
      throw new DataError(`${run} reads its sites' tables with a data schema, and this site has none (--schema)`);
    return;
  }
  if (!spec.schemaJson)
    throw new DataError(`${run} has no data schema, and this site's table was read with one (--schema)`);
  if (runSchemaSha256(spec) !== site.schemaSha256)
    throw new DataError(`${run}'s data schema differs from the one this site's table was read with (--schema)`);
}

/** Hex SHA-256 of the data schema a RunSpec carries (schemaSha256 of its schema_json). @throws {DataError} when unreadable. */
function runSchemaSha256(spec: Pick<RunSpec, 'runId' | 'schemaJson'>): string {
  try {
    return schemaSha256(parseDataSchema(JSON.parse(spec.schemaJson) as unknown, 'RunSpec.schema_json'));
  } catch (err) {
    throw new DataError(`run ${spec.runId}'s data schema cannot be read: ${(err as Error).message}`, { cause: err });
  }
}
