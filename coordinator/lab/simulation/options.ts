import { parseLabelNoise, type LabelNoise } from '../../../client-node/attacks/index.js';
import { weightingEnabled } from '../../../shared/config/index.js';
import { parseRunConfig, type RunConfig } from '../../config/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import type { BackendPreference } from '../../../shared/tf/index.js';
import { resolveNoisyClients, type NoisyClients } from '../experiments/index.js';
import { resolveSlowClients, type SlowClients } from '../federation/index.js';

/** How the training rows (the 8,000 MNIST digits or `--data`) are split across the virtual clients. */
export type SimulationPartition = { kind: 'iid' } | { kind: 'dirichlet'; alpha: number };

/**
 * What {@link simulate} runs: N virtual clients on the bundled MNIST digits (or a CSV) and one run config. Each option names the
 * `fedsift simulate` flag it comes from.
 */
export interface SimulationOptions {
  /** Virtual clients N ≥ 1 (`--clients`); client i has id `sim-<i>`. */
  clients: number;
  /**
   * Run config input, as for `fedsift run start` (rounds, clientsPerRound, minClients, strategy, model, weighting,
   * localEpochs, batchSize, learningRate, seed…); validated by parseRunConfig. The seed also seeds the partition, the
   * per-client subsample, label noise and local shuffles. `maxRoundAttempts` defaults to 1 here: a retry would replay
   * the same clients with the same seeds and fail alike.
   */
  run: Record<string, unknown>;
  /**
   * A CSV whose rows the virtual clients share instead of the digits (`--data`), read as a daemon reads its `--data`:
   * against the run config's `schema` when it has one (then `testData` must name the held-out CSV), else as numbers
   * with an integer `label` column. @default the 8,000 bundled training digits
   */
  data?: string;
  /** Split of the training rows (`--iid` or `--alpha`). @default Dirichlet α = 0.5 */
  partition?: SimulationPartition;
  /** At most this many digits per client, a seeded subsample of its share (`--samples-per-client`); undefined = the whole share. */
  samplesPerClient?: number;
  /** Injected label noise `symmetric:R`, `pair:R` or with a seed `pair:R:S` (`--label-noise`); the seed defaults to the run seed. */
  labelNoise?: string;
  /**
   * Which clients get the label noise (`--noisy-clients`, parsed by parseNoisyClients): a count n (clients 0 … n−1) or
   * the 0-based indices. @default clients 0 … ⌊clients / 2⌋ − 1
   */
  noisyClients?: NoisyClients;
  /** tfjs backend (`--backend`). @default "auto" */
  backend?: BackendPreference;
  /** Directory of the per-client label-issue reports of weighted rounds (`--report-dir`; one folder per client); none = no reports. */
  reportDir?: string;
  /** Clients whose weighting and training take F times as long (`--slow-clients`); none = all at full speed. */
  slowClients?: SlowClients;
}

/** Options after validation: the parsed run config and every default filled in. */
export interface ValidSimulation {
  clients: number;
  config: RunConfig;
  partition: SimulationPartition;
  samplesPerClient?: number;
  /** The CSV the clients share (`--data`); undefined = the digits. */
  data?: string;
  /** The label noise with its seed, and the 0-based indices (ascending) of the clients that get it; undefined = clean labels everywhere. */
  noise?: { spec: LabelNoise; clients: readonly number[] };
  backend: BackendPreference;
  reportDir?: string;
  /** Slowdown factor F > 1 by 0-based client index; clients not in it run at full speed. */
  slowClients: ReadonlyMap<number, number>;
}

const bad = (field: string, flag: string, message: string) =>
  new ConfigError(`invalid simulation option ${field} (${flag}): ${message}`, { field });

const isPositiveInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1;

/**
 * Validates simulation options and applies defaults (pure). Problems of the run config are reported all at once with
 * their paths, as for `fedsift run start`.
 * @throws {ConfigError} naming the option and its flag (`clientsPerRound (--clients-per-round): must be ≤ …`), or
 *         the run config's bad fields; for `noisyClients` a count outside [1, clients], an index outside
 *         [0, clients − 1] or a duplicate index (resolveNoisyClients, message starting `--noisy-clients:`); for
 *         `slowClients` a count outside [0, clients], a bad index or a factor below 1 (resolveSlowClients, message
 *         starting `--slow-clients:`).
 */
export function validateSimulation(o: SimulationOptions): ValidSimulation {
  if (!isPositiveInt(o.clients)) throw bad('clients', '--clients', `must be an integer ≥ 1, got ${o.clients}`);
  if (o.run.schema != null && o.data === undefined)
    throw bad(
      'run.schema',
      '--config',
      'the virtual clients hold MNIST digits, which a data schema does not describe: give --data with a CSV it reads',
    );
  const config = parseRunConfig({ maxRoundAttempts: 1, ...o.run });
  if (config.secureAggregation)
    throw bad(
      'run.secureAggregation',
      '--config',
      "the in-process virtual clients do not speak SecAgg+ (its stages need each site's own keys): run " +
        '`fedsift demo --secagg` or real `fedsift client` daemons',
    );
  if (config.schema && !config.testData)
    throw bad('run.testData', '--config', 'a run with a data schema evaluates on a held-out CSV: give "testData"');
  if (config.clientsPerRound > o.clients)
    throw bad(
      'clientsPerRound',
      '--clients-per-round',
      `must be ≤ the number of virtual clients (${o.clients}), got ${config.clientsPerRound}`,
    );
  if (config.minAvailableClients > o.clients)
    throw bad(
      'minAvailableClients',
      '--clients',
      `the run needs ${config.minAvailableClients} available clients, only ${o.clients} are simulated`,
    );
  const partition = o.partition ?? { kind: 'dirichlet', alpha: 0.5 };
  if (partition.kind === 'dirichlet' && !(partition.alpha > 0 && Number.isFinite(partition.alpha)))
    throw bad('partition.alpha', '--alpha', `must be a finite number > 0, got ${partition.alpha}`);
  if (o.reportDir !== undefined && !weightingEnabled(config.weighting))
    throw bad('reportDir', '--report-dir', 'reports come from weighted rounds: add --weighting');
  if (o.noisyClients !== undefined && o.labelNoise === undefined)
    throw bad('noisyClients', '--noisy-clients', 'needs --label-noise');
  if (o.samplesPerClient !== undefined && !isPositiveInt(o.samplesPerClient))
    throw bad('samplesPerClient', '--samples-per-client', `must be an integer ≥ 1, got ${o.samplesPerClient}`);
  return {
    clients: o.clients,
    config,
    partition,
    samplesPerClient: o.samplesPerClient,
    data: o.data,
    noise: labelNoiseOf(o, config.seed),
    backend: o.backend ?? 'auto',
    reportDir: o.reportDir,
    slowClients: o.slowClients ? resolveSlowClients(o.slowClients, o.clients) : new Map(),
  };
}

function labelNoiseOf(o: SimulationOptions, seed: number): ValidSimulation['noise'] {
  if (o.labelNoise === undefined) return undefined;
  const withSeed = o.labelNoise.split(':').length === 2 ? `${o.labelNoise}:${seed}` : o.labelNoise;
  const spec = parseLabelNoise(withSeed);
  if (!spec)
    throw bad(
      'labelNoise',
      '--label-noise',
      `expected symmetric:R or pair:R[:seed] with 0 ≤ R < 1, got "${o.labelNoise}"`,
    );
  // The default is not a --noisy-clients count: with one client it is none, which a count may not be.
  const clients =
    o.noisyClients === undefined
      ? Array.from({ length: Math.floor(o.clients / 2) }, (_, i) => i)
      : resolveNoisyClients(o.noisyClients, o.clients);
  return { spec, clients };
}
