import type { DataSourceConfig } from '../../shared/config/index.js';
import { assertFitsModel, loadDataSource, type Dataset } from '../../shared/data/index.js';
import { FedsiftError, runConfigError } from '../../shared/errors/index.js';
import { inputSizeOf, type ModelArtifact } from '../../shared/models/index.js';
import { encodeTable, loadTable, needsStatistics, type DataSchema, type Table } from '../../shared/tabular/index.js';

/**
 * A run's held-out test data as the coordinator holds it: examples ready to evaluate on, or (a run whose schema needs
 * feature statistics) the table to encode once round 0 gathered them.
 */
export type RunTestData = { dataset: Dataset; table?: undefined } | { dataset?: undefined; table: Table };

/**
 * Reads a run's test data (I/O: files, or the bundled digits) and checks it against the run's model: with a schema,
 * the CSV `source.path` read with it (encoded at once when the schema needs no statistics); without, the data source
 * as it is, whose examples must hold the model's input size and labels below its class count.
 * @param own whether `source` is the run's own `testData` (else the coordinator's, which the message says).
 * @throws {ConfigError} with field "testData" naming what does not fit or cannot be read.
 */
export function loadRunTestData(
  source: DataSourceConfig,
  own: boolean,
  artifact: ModelArtifact,
  schema: DataSchema | null,
): RunTestData {
  const what = own ? 'the test data' : "the coordinator's test data (testData in its --config file)";
  if (schema && source.kind !== 'csv')
    throw runConfigError('testData', `a run with a data schema evaluates on a CSV table; ${what} is ${source.kind}`);
  try {
    if (schema && source.kind === 'csv') {
      const table = loadTable(source.path, schema);
      return needsStatistics(schema) ? { table } : { dataset: encodeTable(table, undefined) };
    }
    const dataset = loadDataSource(source, artifact.numClasses);
    assertFitsModel(dataset, inputSizeOf(artifact), artifact.numClasses);
    return { dataset: { ...dataset, numClasses: artifact.numClasses } };
  } catch (err) {
    if (!(err instanceof FedsiftError)) throw err;
    throw runConfigError('testData', `${what}, for model "${artifact.ref}": ${err.message}`, err);
  }
}
