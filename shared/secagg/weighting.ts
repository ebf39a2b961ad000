import { AggregationError, InvalidUpdateError } from '../errors/index.js';
import { dequantizeSum, quantizationStep, quantize } from './quantize.js';

/** The quantisation settings the weighted encoding needs (a RoundSecAggParams fits). */
export interface QuantizationParams {
  readonly maxWeight: number;
  readonly clippingRange: number;
  readonly quantizationRange: number;
}

/**
 * A client's weight rₖ = min(nₖ, maxWeight) / maxWeight ∈ [0, 1], nₖ its example count (or effective count Σw of its
 * sample weights for fedavg-effective).
 * @throws {InvalidUpdateError} (field 'numExamples') when nₖ is negative or not finite.
 * @see Flower `secaggplus_mod.py` (ratio = num_examples / max_weight); issue 17 item 2
 */
export function weightRatio(numExamples: number, maxWeight: number): number {
  if (!Number.isFinite(numExamples) || numExamples < 0)
    throw new InvalidUpdateError(`numExamples must be a finite number ≥ 0, got ${numExamples}`, {
      field: 'numExamples',
    });
  return Math.min(numExamples, maxWeight) / maxWeight;
}

/**
 * The weight the client actually applies: rₖ rounded to the nearest quantisation step, r̂ₖ = level·step with
 * level = round(rₖ / step). Multiplying the update by r̂ₖ (not rₖ) makes Σr̂ₖ — which the coordinator divides by —
 * exactly the weight behind Σr̂ₖ·xₖ; r = 0 stays exactly 0.
 */
export function quantizedWeight(ratio: number, p: QuantizationParams): { level: number; weight: number } {
  const step = quantizationStep(p.clippingRange, p.quantizationRange);
  const level = Math.round(ratio / step);
  return { level, weight: level * step };
}

/**
 * Encodes a client's update for SecAgg+ as L + 1 quantisation levels: r̂ₖ·clip(xₖ) stochastically quantised, then the
 * weight coordinate `round(r̂ₖ / step)`.
 *
 * Why the weight sits inside the clipped range: the sum must stay below the modulus for every coordinate, and the
 * bound numClients·(Q − 1) < M (checked by resolveRoundParams) covers the weight only if its level lies in [0, Q − 1];
 * r̂ₖ ≤ 1 ≤ clippingRange puts it there, with the same step as the values. And since r̂ₖ ≤ 1, r̂ₖ·clip(xₖ) stays within
 * ±clippingRange, so weighting never clips a value a second time. An unscaled weight nₖ would overflow the range or be
 * clipped to c, biasing the mean. The weight level carries no −c offset and is rounded to nearest, not stochastically,
 * so Σ levels·step is exactly Σr̂ₖ.
 * @param update the client's values (flattened model or model delta, model units), length L.
 * @param roundingSeed 32 bytes seeding the stochastic-rounding draws (quantize).
 * @returns L + 1 levels in [0, Q − 1] (the plaintext the masks then hide).
 * @throws {InvalidUpdateError} on a non-finite value or a bad numExamples.
 * @see Flower `secaggplus_mod.py` (`[w, w·params]`); issue 17 item 2
 */
export function encodeWeightedInput(
  update: ArrayLike<number>,
  numExamples: number,
  p: QuantizationParams,
  roundingSeed: Uint8Array,
): Uint32Array {
  const { level, weight } = quantizedWeight(weightRatio(numExamples, p.maxWeight), p);
  const out = new Uint32Array(update.length + 1);
  quantize(update, p.clippingRange, p.quantizationRange, roundingSeed, out, weight);
  out[update.length] = level;
  return out;
}

/** The coordinator's view of a round: the weighted mean and the weights behind it. */
export interface WeightedSum {
  /** Σ r̂ₖ·clip(xₖ) / Σ r̂ₖ, length L (model units). */
  readonly weightedMean: Float32Array;
  /** Σ r̂ₖ over the summed clients (units of maxWeight examples). */
  readonly totalWeight: number;
  /** Σ r̂ₖ·maxWeight: the examples behind the mean, each client's count capped at maxWeight. */
  readonly totalExamples: number;
}

/**
 * Decodes the unmasked sum of `count` weighted inputs (encodeWeightedInput) into the weighted mean.
 * @param levelSums L + 1 per-coordinate level sums, mod M already removed.
 * @throws {AggregationError} when the total weight is 0 (no client had examples).
 * @see McMahan et al., AISTATS 2017, Alg. 1 (the weighted mean); issue 17 item 2
 */
export function decodeWeightedSum(levelSums: Uint32Array, count: number, p: QuantizationParams): WeightedSum {
  const length = levelSums.length - 1;
  const totalWeight = levelSums[length]! * quantizationStep(p.clippingRange, p.quantizationRange);
  if (!(totalWeight > 0)) throw new AggregationError(`SecAgg+ sum of ${count} clients has total weight 0`);
  const sums = dequantizeSum(levelSums.subarray(0, length), count, p.clippingRange, p.quantizationRange);
  const weightedMean = new Float32Array(length);
  for (let i = 0; i < length; i++) weightedMean[i] = sums[i]! / totalWeight;
  return { weightedMean, totalWeight, totalExamples: totalWeight * p.maxWeight };
}
