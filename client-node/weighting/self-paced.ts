/** Self-paced regularisers and their closed-form sample weights v*(ℓ, λ) = argmin_{v∈[0,1]} v·ℓ + f(v, λ). */
export type SelfPacedRegularizer = 'hard' | 'linear' | 'mixture';

/**
 * Self-paced weight of a sample with loss ℓ ≥ 0 at pace λ ≥ 0 (λ = ∞ admits everything with weight 1; λ = 0 admits
 * nothing):
 * - hard:    v = 1 if ℓ < λ, else 0                                   (Kumar, Packer & Koller 2010, Eq. 5)
 * - linear:  v = max(0, 1 − ℓ/λ)                                     (Jiang et al. 2014, linear regulariser)
 * - mixture: v = 1 if ℓ ≤ λ′; 0 if ℓ ≥ λ; ζ/ℓ − ζ/λ otherwise, ζ = λλ′/(λ − λ′), 0 < λ′ < λ (Jiang et al. 2014)
 *   with λ′ = `mixtureRatio`·λ.
 * @see Kumar et al. 2010, "Self-Paced Learning for Latent Variable Models"; Jiang et al. 2014, "Easy Samples First:
 *      Self-Paced Reranking for Zero-Example Multimedia Search", Sec. 3.
 * @throws {RangeError} for λ < 0, NaN, or a mixture ratio outside (0, 1).
 */
export function selfPacedWeight(
  loss: number,
  lambda: number,
  regularizer: SelfPacedRegularizer,
  mixtureRatio = 0.5,
): number {
  if (!(lambda >= 0)) throw new RangeError(`self-paced pace λ must be ≥ 0, got ${lambda}`);
  if (!(loss >= 0)) return 0; // a NaN or negative loss is not evidence of an easy sample
  if (lambda === Infinity) return 1;
  if (lambda === 0) return 0;
  switch (regularizer) {
    case 'hard':
      return loss < lambda ? 1 : 0;
    case 'linear':
      return Math.max(0, 1 - loss / lambda);
    case 'mixture': {
      if (!(mixtureRatio > 0 && mixtureRatio < 1))
        throw new RangeError(`mixture ratio λ′/λ must be in (0, 1), got ${mixtureRatio}`);
      const lambdaPrime = mixtureRatio * lambda;
      if (loss <= lambdaPrime) return 1;
      if (loss >= lambda) return 0;
      const zeta = (lambda * lambdaPrime) / (lambda - lambdaPrime);
      return zeta / loss - zeta / lambda;
    }
  }
}

/**
 * The pace λ that admits the `fraction` of samples with the smallest losses: the fraction-quantile of the losses
 * (linear interpolation; the hard regulariser then admits the samples strictly below it). Scale-free, so it transfers
 * across clients and rounds (data-centric-methods.md §1.2).
 * fraction ≥ 1 → ∞ (everything admitted); fraction ≤ 0 → 0 (nothing).
 */
export function paceForFraction(losses: Float32Array, fraction: number): number {
  if (!(fraction > 0) || losses.length === 0) return 0;
  if (fraction >= 1) return Infinity;
  const sorted = Float32Array.from(losses).sort();
  const pos = fraction * (sorted.length - 1);
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Weights of all samples at pace λ. @returns Float32Array [n] in [0, 1]. */
export function selfPacedWeights(
  losses: Float32Array,
  lambda: number,
  regularizer: SelfPacedRegularizer,
  mixtureRatio?: number,
): Float32Array {
  return Float32Array.from(losses, (l) => selfPacedWeight(l, lambda, regularizer, mixtureRatio));
}
