import type { DataSourceConfig } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import { createRng } from '../random/index.js';
import { loadCsv } from './csv.js';
import { subset, type Dataset } from './dataset.js';
import { idxToDataset, readIdx } from './idx.js';
import { loadMnistSplit } from './mnist.js';
import { dirichletPartition } from './partition.js';

/**
 * Loads the dataset a data-source config names (I/O: reads files or the bundled digits).
 * @param numClasses classes of the model the data feeds (labels must be in [0, numClasses)); undefined when no model
 *        is known yet (a site's daemon at start): a CSV's or IDX pair's numClasses is then 1 + its largest label.
 * @throws {DataError} when files are missing or malformed; {ConfigError} for a CSV with a data schema, which is a
 *         table (shared/tabular loadTable), not a dataset of numbers.
 */
export function loadDataSource(cfg: DataSourceConfig, numClasses?: number): Dataset {
  switch (cfg.kind) {
    case 'mnist': {
      const ds = loadMnistSplit(cfg.split);
      if (!cfg.partition) return ds;
      const { numPartitions, index, alpha, seed } = cfg.partition;
      return subset(ds, dirichletPartition(ds.labels, ds.numClasses, numPartitions, alpha, createRng(seed))[index]!);
    }
    case 'csv':
      if (cfg.schema !== undefined)
        throw new ConfigError(`csv ${cfg.path} has a data schema: read it as a table (loadTable)`, { field: 'schema' });
      return loadCsv(cfg.path, { labelColumn: cfg.labelColumn, featureScale: cfg.featureScale, numClasses });
    case 'idx':
      return idxToDataset(readIdx(cfg.images), readIdx(cfg.labels), numClasses);
  }
}
