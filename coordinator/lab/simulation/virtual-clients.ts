import { injectLabelNoise } from '../../../client-node/attacks/index.js';
import { dirichletPartition, iidPartition, subset, type Dataset } from '../../../shared/data/index.js';
import { ConfigError, DataError } from '../../../shared/errors/index.js';
import { createRng, deriveSeed, sampleWithoutReplacement } from '../../../shared/random/index.js';
import type { ValidSimulation } from './options.js';

/** One simulated site: its id, its own data (a copy), and which labels were flipped on purpose. */
export interface VirtualClient {
  /** `sim-<index>`: the client id and the site id (it seeds the client's local shuffles and label noise). */
  readonly id: string;
  readonly data: Dataset;
  /** 1 for each sample whose label the injected noise flipped; undefined on clean clients. */
  readonly wrongLabels?: Uint8Array;
}

/**
 * Builds the virtual clients' datasets from the training digits (pure, seeded by the run seed): the IID or
 * Dirichlet(α) partition of `train` into `clients` shares, each cut to a seeded subsample of at most
 * `samplesPerClient`, then label noise on the clients whose indices are in noise.clients, exactly as `fedsift client --label-noise` does
 * (seeded by the noise seed and the site id).
 * @param train the training digits [n × 784] (the fixed 8,000 of loadMnistSplit('train')).
 * @throws {ConfigError} (field `clients`) when the partition is impossible: more clients than digits, or under
 *         Dirichlet no draw gives every client 10 digits in 1,000 tries.
 */
export function buildVirtualClients(
  train: Dataset,
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
    const data = subset(train, kept);
    const noise = sim.noise?.clients.includes(index) ? sim.noise.spec : undefined;
    if (!noise) return { id, data };
    const { labels, flipped } = injectLabelNoise(
      data.labels,
      data.numClasses,
      noise,
      createRng(deriveSeed(noise.seed, 'label-noise', id)),
    );
    return { id, data: { ...data, labels }, wrongLabels: flipped };
  });
}

/** The clients' index shares; a partition the data cannot give is the --clients flag's fault. */
function partitionFor(train: Dataset, sim: Pick<ValidSimulation, 'clients' | 'partition'>, seed: number): number[][] {
  const rng = createRng(deriveSeed(seed, 'partition'));
  try {
    return sim.partition.kind === 'iid'
      ? iidPartition(train.labels.length, sim.clients, rng)
      : dirichletPartition(train.labels, train.numClasses, sim.clients, sim.partition.alpha, rng);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    throw new ConfigError(
      `invalid simulation option clients (--clients): ${err.message}; use fewer clients${sim.partition.kind === 'iid' ? '' : ', a larger --alpha or --iid'}`,
      { field: 'clients', cause: err },
    );
  }
}
