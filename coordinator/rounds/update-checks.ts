import { firstNonFinite } from '../../shared/codec/index.js';
import { InvalidUpdateError, UpdateNormError } from '../../shared/errors/index.js';

/**
 * The checks an update's values pass before they are folded, on the coordinator and in simulation alike: every value
 * finite (BR-08) and, when `maxUpdateNorm` is not null, ‖values − global‖₂ ≤ maxUpdateNorm (same units as the weights).
 * @param values the update, [number of parameters] float32; @param global the round's global model, same length.
 * @throws {InvalidUpdateError} on a NaN or ±Infinity; {UpdateNormError} when the distance exceeds the bound.
 */
export function checkUpdateValues(values: Float32Array, global: Float32Array, maxUpdateNorm: number | null, ctx: { clientId: string; round: number }): void {
  const bad = firstNonFinite(values);
  if (bad >= 0) throw new InvalidUpdateError(`non-finite parameters: value ${values[bad]} at index ${bad}`, ctx);
  if (maxUpdateNorm === null) return;
  const norm = distance(values, global);
  if (norm > maxUpdateNorm) throw new UpdateNormError(`update norm ${norm.toPrecision(4)} exceeds the run's maxUpdateNorm ${maxUpdateNorm}`, ctx);
}

/** Euclidean distance ‖a − b‖₂ of two equally long vectors. */
function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}
