import { InvalidArgumentError } from 'commander';
import { parseLabelNoise } from '../../client-node/attacks/index.js';
import { NOISE_VARIANTS } from './noise-variants.js';

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
