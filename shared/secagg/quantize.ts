import { InvalidUpdateError } from '../errors/index.js';
import { BLOCK_WORDS, Prg } from './prg.js';

/**
 * Width of one quantisation level in model units: 2·clippingRange / (quantizationRange − 1). The stochastic rounding
 * error of one value is below one step, so a sum of k quantised values is off by less than k steps per coordinate.
 */
export function quantizationStep(clippingRange: number, quantizationRange: number): number {
  return (2 * clippingRange) / (quantizationRange - 1);
}

/** 2^−32: a uniform 32-bit word times this is a uniform draw in [0, 1). */
const WORD_TO_UNIT = 2 ** -32;

/**
 * Clips each value to ±clippingRange and maps it affinely onto [0, quantizationRange − 1] (−c → 0, +c → Q − 1), rounding
 * stochastically: ⌊level + U⌋ with U uniform in [0, 1) rounds up with probability equal to the fractional part, so the
 * level is an unbiased estimate. The draws U are the PRG keystream of `roundingSeed`, a block at a time.
 * @param values model values (model units); NaN or ±Infinity are refused, not clipped.
 * @param roundingSeed 32 bytes seeding the rounding draws (fresh from a CSPRNG on a site; seeded in tests).
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
  roundingSeed: Uint8Array,
  out: Uint32Array = new Uint32Array(values.length),
  weight = 1,
): Uint32Array {
  if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`quantize: bad weight ${weight}`);
  const c = clippingRange;
  const scale = (quantizationRange - 1) / (2 * c);
  const top = quantizationRange - 1;
  const draws = new Prg(roundingSeed);
  for (let start = 0; start < values.length; start += BLOCK_WORDS) {
    const n = Math.min(BLOCK_WORDS, values.length - start);
    const u = draws.next(n);
    for (let j = 0; j < n; j++) {
      const x = values[start + j]!;
      if (!Number.isFinite(x)) throw new InvalidUpdateError(`update value ${start + j} is ${x}`, { field: 'update' });
      const v = weight * (x > c ? c : x < -c ? -c : x);
      const clipped = v > c ? c : v < -c ? -c : v; // a weight rounded a little above 1 could pass ±c
      const level = Math.floor((clipped + c) * scale + (u[j]! >>> 0) * WORD_TO_UNIT);
      out[start + j] = level > top ? top : level;
    }
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
