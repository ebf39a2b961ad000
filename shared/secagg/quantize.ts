import { InvalidUpdateError } from '../errors/index.js';
import type { Rng } from '../random/index.js';

/**
 * Width of one quantisation level in model units: 2·clippingRange / (quantizationRange − 1). The stochastic rounding
 * error of one value is below one step, so a sum of k quantised values is off by less than k steps per coordinate.
 */
export function quantizationStep(clippingRange: number, quantizationRange: number): number {
  return (2 * clippingRange) / (quantizationRange - 1);
}

/**
 * Clips each value to ±clippingRange and maps it affinely onto [0, quantizationRange − 1] (−c → 0, +c → Q − 1), rounding
 * stochastically: up with probability equal to the fractional part, so the level is an unbiased estimate.
 * @param values model values (model units); NaN or ±Infinity are refused, not clipped.
 * @param rng source of the rounding draws (injected; seeded in tests).
 * @param out where to write (length ≥ values.length); a new Uint32Array when omitted.
 * @param weight each clipped value is multiplied by this weight ≥ 0 and clipped again before it is mapped
 *   (encodeWeightedInput's r̂ₖ ≈ 1 at most). @default 1
 * @returns levels in [0, Q − 1], one per value.
 * @throws {InvalidUpdateError} (field 'update') on a non-finite value.
 * @see Flower `secure_aggregation/quantization.py` (quantize, with Q − 1 levels so +c maps inside the range);
 *   Bonawitz et al., CCS 2017, §1 (inputs as integer vectors)
 */
export function quantize(
  values: ArrayLike<number>,
  clippingRange: number,
  quantizationRange: number,
  rng: Rng,
  out: Uint32Array = new Uint32Array(values.length),
  weight = 1,
): Uint32Array {
  if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`quantize: bad weight ${weight}`);
  const scale = (quantizationRange - 1) / (2 * clippingRange);
  const top = quantizationRange - 1;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) throw new InvalidUpdateError(`update value ${i} is ${x}`, { field: 'update' });
    const c = clippingRange;
    const v = weight * (x > c ? c : x < -c ? -c : x);
    const clipped = v > c ? c : v < -c ? -c : v; // a weight rounded a little above 1 could pass ±c
    const level = (clipped + clippingRange) * scale;
    const floor = Math.floor(level);
    out[i] = Math.min(top, floor + (rng.next() < level - floor ? 1 : 0));
  }
  return out;
}

/**
 * Inverse of quantize for the sum of `count` quantised vectors: Σx ≈ Σlevel·step − count·clippingRange, each value
 * within count·step of the sum of the clipped inputs.
 * @param levelSums per-coordinate sums of levels (already unmasked, reduced mod M; exact while count·(Q − 1) < M).
 * @param count how many vectors were summed (integer ≥ 0).
 * @returns sums in model units, as float64.
 * @see Flower `secure_aggregation/quantization.py` (dequantize) and `secaggplus_workflow.py` (the −(k − 1)·c offset)
 */
export function dequantizeSum(
  levelSums: ArrayLike<number>,
  count: number,
  clippingRange: number,
  quantizationRange: number,
): Float64Array {
  const step = quantizationStep(clippingRange, quantizationRange);
  const offset = count * clippingRange;
  const out = new Float64Array(levelSums.length);
  for (let i = 0; i < out.length; i++) out[i] = levelSums[i]! * step - offset;
  return out;
}
