/**
 * L2 clipping factor min(1, C/‖Δ‖): 1 when ‖Δ‖ ≤ C (a zero vector included), so clip(Δ) = factor·Δ has norm ≤ C.
 * @param norm ‖Δ‖₂ ≥ 0. @param clippingNorm C > 0 (same units).
 * @throws {RangeError} when C is not a finite number > 0, or the norm is negative or not finite.
 * @see Abadi et al. 2016, "Deep Learning with Differential Privacy", Alg. 1 (clip gradient); McMahan et al. 2018,
 *      "Learning Differentially Private Recurrent Language Models", Alg. 1 (ClipFn, flat clipping).
 */
export function clipFactor(norm: number, clippingNorm: number): number {
  if (!(clippingNorm > 0) || !Number.isFinite(clippingNorm))
    throw new RangeError(`clipping norm ${clippingNorm} is not a finite number > 0`);
  if (!(norm >= 0) || !Number.isFinite(norm)) throw new RangeError(`update norm ${norm} is not finite and ≥ 0`);
  return norm <= clippingNorm ? 1 : clippingNorm / norm;
}

/**
 * Clips `delta` in place to L2 norm ≤ C (the norm summed in float64).
 * @returns the norm before clipping and the factor applied (1 when nothing changed).
 * @throws {RangeError} when C is invalid or `delta` holds a non-finite value.
 */
export function clipInPlace(delta: Float32Array, clippingNorm: number): { norm: number; factor: number } {
  let sumOfSquares = 0;
  for (let i = 0; i < delta.length; i++) sumOfSquares += delta[i]! * delta[i]!;
  const norm = Math.sqrt(sumOfSquares);
  const factor = clipFactor(norm, clippingNorm);
  if (factor < 1) for (let i = 0; i < delta.length; i++) delta[i] = delta[i]! * factor;
  return { norm, factor };
}
