/**
 * Noise multiplier left for the updates under adaptive clipping, when the whole round must be as private as one
 * Gaussian mechanism with multiplier σ and the count of unclipped updates gets noise of stddev σ_b:
 * σ_Δ = (σ⁻² − (2σ_b)⁻²)^(−1/2). σ = 0 → 0 (no privacy asked, no noise).
 * @param noiseMultiplier σ ≥ 0, the round's total. @param clippedCountStddev σ_b > 0, stddev of the count noise.
 * @throws {RangeError} when σ or σ_b is negative or not finite, or σ ≥ 2σ_b (the count would use the whole budget).
 * @see Andrew et al. 2021, "Differentially Private Learning with Adaptive Clipping", Thm 1; Flower
 *      `compute_adaptive_noise_params`.
 */
export function adaptiveUpdateNoiseMultiplier(noiseMultiplier: number, clippedCountStddev: number): number {
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier))
    throw new RangeError(`noiseMultiplier ${noiseMultiplier} is not finite and ≥ 0`);
  if (!(clippedCountStddev >= 0) || !Number.isFinite(clippedCountStddev))
    throw new RangeError(`clippedCountStddev ${clippedCountStddev} is not finite and ≥ 0`);
  if (noiseMultiplier === 0) return 0;
  if (noiseMultiplier >= 2 * clippedCountStddev)
    throw new RangeError(
      `noiseMultiplier ${noiseMultiplier} ≥ 2 × clippedCountStddev ${clippedCountStddev}: no noise budget left for the updates`,
    );
  return (noiseMultiplier ** -2 - (2 * clippedCountStddev) ** -2) ** -0.5;
}

/**
 * Geometric update of the clipping norm towards the target quantile of update norms: C ← C·exp(−η·(b̃ − γ)).
 * More unclipped updates than γ shrink C; fewer grow it.
 * @param clippingNorm C > 0. @param unclippedFraction b̃, the noised share of updates with norm ≤ C (noise may put
 * it outside [0, 1]). @param targetQuantile γ ∈ [0, 1]. @param clipNormLr η > 0.
 * @returns the next C (> 0).
 * @throws {RangeError} on C ≤ 0, γ ∉ [0, 1], η ≤ 0 or a non-finite input.
 * @see Andrew et al. 2021, Alg. 1 (geometric update, eq. after Thm 1).
 */
export function nextClippingNorm(
  clippingNorm: number,
  unclippedFraction: number,
  targetQuantile: number,
  clipNormLr: number,
): number {
  if (!(clippingNorm > 0) || !Number.isFinite(clippingNorm))
    throw new RangeError(`clipping norm ${clippingNorm} is not a finite number > 0`);
  if (!Number.isFinite(unclippedFraction))
    throw new RangeError(`unclipped fraction ${unclippedFraction} is not finite`);
  if (!(targetQuantile >= 0 && targetQuantile <= 1))
    throw new RangeError(`targetQuantile ${targetQuantile} is not in [0, 1]`);
  if (!(clipNormLr > 0) || !Number.isFinite(clipNormLr))
    throw new RangeError(`clipNormLr ${clipNormLr} is not a finite number > 0`);
  return clippingNorm * Math.exp(-clipNormLr * (unclippedFraction - targetQuantile));
}
