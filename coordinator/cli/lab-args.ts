import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../../shared/errors/index.js';
import { floatArg, intArg, positiveIntArg } from '../../shared/cli/index.js';
import { parseCodecSpec } from '../../shared/codec/index.js';
import {
  parseSlowClients,
  resolveSlowClients,
  type FederatedRunShape,
  type SlowClients,
} from '../lab/federation/index.js';
import { parseLabelNoise } from '../../client-node/attacks/index.js';
import { NOISE_VARIANTS } from '../lab/experiments/index.js';

const list = (value: string) =>
  value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Commander parser of `--noise`/`--label-noise`: comma-separated `symmetric:R` or `pair:R`, 0 ≤ R < 1 (the seed is the run's). */
export function noiseListArg(value: string): string[] {
  const specs = list(value);
  const bad = specs.filter((s) => s.split(':').length !== 2 || !parseLabelNoise(s));
  if (!specs.length || bad.length)
    throw new InvalidArgumentError(`expected symmetric:R or pair:R with 0 ≤ R < 1, comma-separated; got "${value}".`);
  return specs;
}

/** Help of `--dp`, on `fedsift demo` and `fedsift simulate`. */
export const DP_FLAG_HELP =
  'central differential privacy at noise multiplier SIGMA: adaptive clipping, delta 1e-5, epsilon after every round (README "Differential privacy")';

/** Commander parser of a number ≥ 0 (e.g. `--dp`). */
export function nonNegativeFloatArg(value: string): number {
  const x = floatArg(value);
  if (x < 0) throw new InvalidArgumentError('expected a number ≥ 0.');
  return x;
}

/** Commander parser of `--seeds`: comma-separated non-negative integers. */
export function seedListArg(value: string): number[] {
  const seeds = list(value).map(Number);
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw new InvalidArgumentError(`expected comma-separated non-negative integers; got "${value}".`);
  return seeds;
}

/** Commander parser of `--codecs`: comma-separated update codecs (run config `updateCodec`). */
export function codecListArg(value: string): string[] {
  const codecs = list(value);
  for (const c of codecs) {
    try {
      parseCodecSpec(c);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  if (!codecs.length) throw new InvalidArgumentError('expected comma-separated update codecs');
  return codecs;
}

/** Names of the weighting variants (all but "plain", which always runs). */
export const VARIANT_NAMES = Object.keys(NOISE_VARIANTS).filter((v) => v !== 'plain');

/** Commander parser of `--variants`: comma-separated names from NOISE_VARIANTS. */
export function variantListArg(value: string): string[] {
  const names = list(value);
  const bad = names.filter((v) => !VARIANT_NAMES.includes(v));
  if (!names.length || bad.length)
    throw new InvalidArgumentError(`unknown variant(s) "${bad.join(',')}"; known: ${VARIANT_NAMES.join(', ')}.`);
  return names;
}

/** Commander parser of a `--model` list: comma-separated model names (`mlp,cnn`). */
export function modelListArg(value: string): string[] {
  const models = list(value);
  if (!models.length) throw new InvalidArgumentError(`expected comma-separated models (mlp, cnn); got "${value}".`);
  const repeated = models.filter((m, i) => models.indexOf(m) !== i);
  if (repeated.length) throw new InvalidArgumentError(`model(s) given twice: ${repeated.join(', ')}.`);
  return models;
}

/** Help of `--slow-clients`, on `fedsift demo`, `fedsift simulate` and the experiments. */
export const SLOW_CLIENTS_HELP =
  'straggler simulation: K:Fx makes clients 0…K−1 train F times slower (e.g. 3:5x), or list:Fx names them (1,3,5:5x)';

/**
 * Adds the FederatedRunShape flags to a command, with its defaults, `--slow-clients` (default: none; checked against
 * `--clients` before the action runs, a ConfigError naming the flag) and `--join-timeout-ms` (default: grows with `--clients`, joinTimeoutMsFor). With `lists`, `--model` takes a comma-separated list (string[]) and `--seeds` a
 * list of seeds next to `--seed` (the command resolves them with seedsOf).
 */
export function addRunShapeOptions(cmd: Command, defaults: FederatedRunShape, lists = false): Command {
  cmd
    .option('--clients <n>', 'client daemon processes', intArg, defaults.clients)
    .option('--rounds <n>', 'rounds per run', intArg, defaults.rounds);
  if (lists) cmd.option('--model <list>', 'comma-separated models: mlp, cnn', modelListArg, [defaults.model]);
  else cmd.option('--model <name>', 'model: mlp | cnn', defaults.model);
  cmd
    .option('--local-epochs <n>', 'local epochs per round', intArg, defaults.localEpochs)
    .option('--alpha <a>', 'Dirichlet concentration of the label skew (smaller = more skew)', floatArg, defaults.alpha)
    .option('--seed <n>', 'seed of the partition and the run', intArg, defaults.seed);
  if (lists)
    cmd.option('--seeds <list>', 'comma-separated seeds, each a run of every arm (instead of --seed)', seedListArg);
  // --slow-clients is checked against --clients before anything starts, whichever order they came in.
  cmd.hook('preAction', (c) => {
    const o = c.opts<{ slowClients?: SlowClients; clients: number }>();
    if (o.slowClients) resolveSlowClients(o.slowClients, o.clients);
  });
  return cmd
    .option('--slow-clients <K:Fx|list:Fx>', SLOW_CLIENTS_HELP, parseSlowClients)
    .option(
      '--join-timeout-ms <ms>',
      'how long a run waits for its client processes to join (default: 60000 + 20000 per client process)',
      positiveIntArg,
    );
}

/**
 * The seeds a command with list flags runs: `--seeds` when given, else `[--seed]`.
 * @throws {ConfigError} when both --seed and --seeds are on the command line.
 */
export function seedsOf(o: { seed: number; seeds?: number[] }, seedFromCommandLine: boolean): number[] {
  if (o.seeds && seedFromCommandLine)
    throw new ConfigError('--seed and --seeds: give one of them (--seeds 3 means --seed 3)', { field: 'seeds' });
  return o.seeds ?? [o.seed];
}

/**
 * A command's options with `--model` and `--seed` turned into the lists an experiment runs (`models`, `seeds`); the
 * single values become undefined, which keeps them out of the options the experiment saves with its results.
 */
export function withModelSeedLists<T extends object>(o: T, models: string[], seeds: number[]) {
  return { ...o, model: undefined, seed: undefined, models, seeds };
}
