import { siteLabels, withLabelNoise, type SiteData } from '../../../client-node/data/index.js';
import { dirichletPartition, iidPartition, subset } from '../../../shared/data/index.js';
import { ConfigError, DataError } from '../../../shared/errors/index.js';
import { createRng, deriveSeed, sampleWithoutReplacement } from '../../../shared/random/index.js';
import type { Table } from '../../../shared/tabular/index.js';
import type { ValidSimulation } from './options.js';

/** One simulated site: its id, its own data (a copy), and which labels were flipped on purpose. */
export interface VirtualClient {
  /** `sim-<index>`: the client id and the site id (it seeds the client's local shuffles and label noise). */
  readonly id: string;
  /** Its share as a daemon holds its data: digits or a numeric CSV as a dataset, a CSV read with a schema as a table. */
  readonly site: SiteData;
  /** 1 for each sample whose label the injected noise flipped; undefined on clean clients. */
  readonly wrongLabels?: Uint8Array;
}

/**
 * Builds the virtual clients' data from the training data (pure, seeded by the run seed): the IID or Dirichlet(α)
 * partition of `train`'s rows (over its labels) into `clients` shares, each cut to a seeded subsample of at most
 * `samplesPerClient`, then label noise on the clients whose indices are in noise.clients, exactly as `fedsift client
 * --label-noise` does (seeded by the noise seed and the site id; a table's labels flip among its schema's classes).
 * @param train the training data: the 8,000 digits of loadMnistSplit('train') as a dataset, or `--data` as the
 *        daemon loads it (loadSiteData / loadSiteTable).
 * @throws {ConfigError} (field `clients`) when the partition is impossible: more clients than rows, or under
 *         Dirichlet no draw gives every client 10 rows in 1,000 tries.
 */
export function buildVirtualClients(
  train: SiteData,
  sim: Pick<ValidSimulation, 'clients' | 'partition' | 'samplesPerClient' | 'noise'>,
  seed: number,
): VirtualClient[] {
  const shares = partitionFor(train, sim, seed);
  return shares.map((share, index) => {
    const id = `sim-${index}`;
    const cap = sim.samplesPerClient;
    const kept =
      cap !== undefined && share.length > cap
        ? sampleWithoutReplacement(createRng(deriveSeed(seed, 'subsample', id)), share, cap).sort((a, b) => a - b)
        : share;
    const site = subsetSite(train, kept);
    const noise = sim.noise?.clients.includes(index) ? sim.noise.spec : undefined;
    if (!noise) return { id, site };
    const noisy = withLabelNoise(site, noise, createRng(deriveSeed(noise.seed, 'label-noise', id)));
    return { id, site: noisy.site, wrongLabels: noisy.flipped };
  });
}

/** The rows of `site` at `indices`, in that order: a dataset's examples or a table's rows (copies). */
function subsetSite(site: SiteData, indices: readonly number[]): SiteData {
  return site.kind === 'dataset'
    ? { kind: 'dataset', dataset: subset(site.dataset, indices) }
    : { ...site, table: subsetTable(site.table, indices) };
}

/** A table's rows at `indices`; nothing was dropped from it (droppedRows 0), its ignored columns are the source's. */
function subsetTable(t: Table, indices: readonly number[]): Table {
  const pick = <A extends Float64Array | Int32Array>(from: A, make: (n: number) => A): A => {
    const width = t.numRows ? from.length / t.numRows : 0;
    const out = make(indices.length * width);
    indices.forEach((row, k) => out.set(from.subarray(row * width, (row + 1) * width), k * width));
    return out;
  };
  return {
    ...t,
    numRows: indices.length,
    numeric: pick(t.numeric, (n) => new Float64Array(n)),
    categorical: pick(t.categorical, (n) => new Int32Array(n)),
    labels: Int32Array.from(indices, (row) => t.labels[row]!),
    droppedRows: 0,
  };
}

/** The clients' index shares; a partition the data cannot give is the --clients flag's fault. */
function partitionFor(train: SiteData, sim: Pick<ValidSimulation, 'clients' | 'partition'>, seed: number): number[][] {
  const rng = createRng(deriveSeed(seed, 'partition'));
  const labels = siteLabels(train);
  const numClasses = train.kind === 'table' ? train.table.schema.label.classes.length : train.dataset.numClasses;
  try {
    return sim.partition.kind === 'iid'
      ? iidPartition(labels.length, sim.clients, rng)
      : dirichletPartition(labels, numClasses, sim.clients, sim.partition.alpha, rng);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    throw new ConfigError(
      `invalid simulation option clients (--clients): ${err.message}; use fewer clients${sim.partition.kind === 'iid' ? '' : ', a larger --alpha or --iid'}`,
      { field: 'clients', cause: err },
    );
  }
}
