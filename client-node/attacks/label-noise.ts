import type { Rng } from '../../shared/random/index.js';

/**
 * Injected label noise for experiments (fault injection; never on by default):
 * - `symmetric`: with probability `rate`, a label becomes a uniformly chosen *other* class (effective rate = rate);
 * - `pair`: with probability `rate`, class c becomes (c + 1) mod K (Co-teaching's pair-flip).
 * @see Han et al. 2018, "Co-teaching", Sec. 4 (symmetric and pair flipping); data-centric-methods.md §10.
 */
export interface LabelNoise {
  kind: 'symmetric' | 'pair';
  /** Flip probability in [0, 1). */
  rate: number;
  seed: number;
}

/** Noisy labels and the mask of flipped samples (1 = flipped), to score label-issue detection against. */
export interface NoisyLabels {
  labels: Int32Array;
  flipped: Uint8Array;
}

/** Flips labels as `noise` says, with `rng`; the input is not modified. @throws {RangeError} for a rate outside [0, 1). */
export function injectLabelNoise(
  labels: Int32Array,
  numClasses: number,
  noise: Pick<LabelNoise, 'kind' | 'rate'>,
  rng: Rng,
): NoisyLabels {
  if (!(noise.rate >= 0 && noise.rate < 1))
    throw new RangeError(`label noise rate must be in [0, 1), got ${noise.rate}`);
  const out = Int32Array.from(labels);
  const flipped = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (rng.next() >= noise.rate) continue;
    const y = labels[i]!;
    out[i] =
      noise.kind === 'pair' ? (y + 1) % numClasses : (y + 1 + Math.floor(rng.next() * (numClasses - 1))) % numClasses;
    flipped[i] = 1;
  }
  return { labels: out, flipped };
}

/** Parses `symmetric:0.4` or `pair:0.45[:seed]` (seed defaults to 0). @returns undefined for an unknown form. */
export function parseLabelNoise(spec: string): LabelNoise | undefined {
  const [kind, rateText, seedText = '0'] = spec.split(':');
  const rate = Number(rateText),
    seed = Number(seedText);
  if ((kind !== 'symmetric' && kind !== 'pair') || !(rate >= 0 && rate < 1) || !Number.isInteger(seed))
    return undefined;
  return { kind, rate, seed };
}
