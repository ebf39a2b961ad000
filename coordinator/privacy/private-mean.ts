import { addGaussianNoise, type RandomBytes } from '../../shared/privacy/index.js';
import { AggregationError } from '../../shared/errors/index.js';

/**
 * The DP-FedAvg mean model of one round from a streamed clipped mean, written into `mean`:
 *   g + (Σ_k clip(Δ_k) + N(0, s²·I)) / m,  Δ_k = x_k − g,  clip(Δ_k) = c_k·Δ_k,  c_k = min(1, C/‖Δ_k‖)
 * computed as g + (Σ c_k / m)·(M − g) + N(0, s²·I)/m, where M = Σ c_k·x_k / Σ c_k is the running weighted mean of
 * the updates with weights c_k (so Σ_k c_k·Δ_k = (Σ c_k)·(M − g), and no copy of any update is needed). Every client
 * counts once: the weights are the clipping factors only, never example counts.
 * @param global g, [parameters] float32 (only read).
 * @param mean M, [parameters] float32, overwritten with the new mean model.
 * @param clipWeightSum Σ_k c_k over the m updates (each c_k ∈ (0, 1]).
 * @param count m ≥ 1, the number of updates folded.
 * @param sumNoiseStddev s, the noise's standard deviation on the sum of the clipped updates (σ·C; weight units).
 * @param random the byte source of the Gaussian noise (secureRandomBytes in runs; a seeded one in tests).
 * @returns `mean`.
 * @throws {AggregationError} when the lengths differ, m < 1, Σ c_k ∉ (0, m] or s is negative or not finite.
 * @see McMahan et al. 2018, "Learning Differentially Private Recurrent Language Models", Alg. 1 (flat clipping,
 *      uniform weights, estimator f̃_c with noise N(0, σ²S²)); Flower `DifferentialPrivacyServerSideFixedClipping`.
 */
export function privateMeanModel(
  global: Float32Array,
  mean: Float32Array,
  clipWeightSum: number,
  count: number,
  sumNoiseStddev: number,
  random: RandomBytes,
): Float32Array {
  if (mean.length !== global.length)
    throw new AggregationError(`private mean: ${mean.length} values, the global model has ${global.length}`);
  if (!(Number.isInteger(count) && count >= 1))
    throw new AggregationError(`private mean: ${count} updates, at least 1 needed`);
  if (!(clipWeightSum > 0 && clipWeightSum <= count + 1e-9))
    throw new AggregationError(`private mean: sum of clipping factors ${clipWeightSum} is not in (0, ${count}]`);
  if (!(sumNoiseStddev >= 0 && Number.isFinite(sumNoiseStddev)))
    throw new AggregationError(`private mean: noise standard deviation ${sumNoiseStddev} is not finite and ≥ 0`);
  const scale = clipWeightSum / count;
  for (let i = 0; i < mean.length; i++) mean[i] = scale * (mean[i]! - global[i]!);
  if (sumNoiseStddev > 0) addGaussianNoise(mean, sumNoiseStddev / count, random);
  for (let i = 0; i < mean.length; i++) mean[i] = mean[i]! + global[i]!;
  return mean;
}

/**
 * The noised share of unclipped updates of adaptive clipping: b̃ = (Σ_k b_k + N(0, σ_b²)) / m, b_k = 1[‖Δ_k‖ ≤ C].
 * @param unclipped Σ_k b_k, in [0, m].
 * @param count m ≥ 1.
 * @param clippedCountStddev σ_b ≥ 0.
 * @param random the noise's byte source.
 * @throws {AggregationError} when m < 1 or the count is outside [0, m].
 * @see Andrew et al. 2021, "Differentially Private Learning with Adaptive Clipping", Alg. 1 (b̃_t).
 */
export function noisedUnclippedFraction(
  unclipped: number,
  count: number,
  clippedCountStddev: number,
  random: RandomBytes,
): number {
  if (!(Number.isInteger(count) && count >= 1 && unclipped >= 0 && unclipped <= count))
    throw new AggregationError(`unclipped count ${unclipped} of ${count} updates is not in [0, m]`);
  const noised = new Float64Array([unclipped]);
  if (clippedCountStddev > 0) addGaussianNoise(noised, clippedCountStddev, random);
  return noised[0]! / count;
}
