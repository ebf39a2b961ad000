import { InvalidArgumentError, type Command } from 'commander';
import { floatArg, intArg } from '../../shared/cli/index.js';
import { parseCodecSpec } from '../../shared/codec/index.js';
import type { FederatedRunShape } from '../lab/federation/index.js';
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

/** Adds the FederatedRunShape flags to a command, with its defaults. */
export function addRunShapeOptions(cmd: Command, defaults: FederatedRunShape): Command {
  return cmd
    .option('--clients <n>', 'client daemon processes', intArg, defaults.clients)
    .option('--rounds <n>', 'rounds per run', intArg, defaults.rounds)
    .option('--model <name>', 'model: mlp | cnn', defaults.model)
    .option('--local-epochs <n>', 'local epochs per round', intArg, defaults.localEpochs)
    .option('--alpha <a>', 'Dirichlet concentration of the label skew (smaller = more skew)', floatArg, defaults.alpha)
    .option('--seed <n>', 'seed of the partition and the run', intArg, defaults.seed);
}
