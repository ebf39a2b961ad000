import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { clipInPlace, type RandomBytes } from '../../shared/privacy/index.js';
import { privatizeDeltaInPlace, type LocalPrivacySettings } from './local-privacy.js';

/** What a SecAgg+ round asks of a site's delta before it is masked (FitConfig.local_privacy, secure_aggregation). */
export interface SecAggDeltaSettings {
  /** Local differential privacy, when the run has it: clip to its C, add N(0, σ²C²) (privatizeDeltaInPlace). */
  localPrivacy?: LocalPrivacySettings | null;
  /** Central DP under SecAgg+: the L2 norm δ is clipped to (weight units); 0 = no clipping. */
  clippingNorm: number;
}

/**
 * The delta a site masks in a SecAgg+ round: δ = w − g, privatized first when local DP is announced (as UpdateEncoder
 * does for a plain update, so the coordinator's sum holds only noised deltas), then clipped to L2 norm `clippingNorm`
 * when it is > 0 (central DP under SecAgg+: the coordinator adds noise to the sum, which needs every δ bounded).
 * The order matters: the local clip-and-noise leaves ‖δ‖ above C_local, and the central bound must hold for what is
 * summed. Each value is clipped again to ±clippingRange by the masking (encodeWeightedInput).
 * @param trained w, the locally trained weights, [parameters] float32.
 * @param global g, the round's global model as the site decoded it, same length.
 * @param random the local-DP noise's byte source (secureRandomBytes on a site; seeded in tests).
 * @returns δ, a new [parameters] float32 vector (model units); `trained` and `global` are left as they are.
 * @throws {InvalidRequestError} when the local-DP settings are out of range; {RangeError} when clippingNorm is negative
 *   or not finite, or δ holds a non-finite value while clipping.
 * @see Bonawitz et al., CCS 2017, §1 (clients mask their update); McMahan et al., ICLR 2018, Alg. 1 (clip each
 *   update's delta, noise the sum); issue 17 item 3
 */
export function secAggDelta(
  trained: Float32Array,
  global: Float32Array,
  settings: SecAggDeltaSettings,
  random: RandomBytes,
): Float32Array {
  const { localPrivacy, clippingNorm } = settings;
  if (!(clippingNorm >= 0) || !Number.isFinite(clippingNorm))
    throw new RangeError(`SecAgg+ clipping norm ${clippingNorm} is not a finite number ≥ 0`);
  const delta = new Float32Array(trained.length);
  for (let i = 0; i < delta.length; i++) delta[i] = trained[i]! - global[i]!;
  if (localPrivacy) privatizeDeltaInPlace(delta, localPrivacy, random);
  if (clippingNorm > 0) clipInPlace(delta, clippingNorm);
  return delta;
}

/**
 * The example count nₖ a site weighs its masked delta with (its weight is then rₖ = min(nₖ, maxWeight)/maxWeight):
 * maxWeight under equal weights (central DP under SecAgg+: DP-FedAvg weighs every site alike); else the count a plain
 * update would be weighed by: under fedavg-effective (`effectiveExamples`, announced in
 * FitConfig.secure_aggregation) the effective count Σw (its `effective_examples` metric, capped at the raw count) when
 * per-sample weighting ran, as FedAvgEffective.weightOf weighs it; otherwise the raw count. With SecAgg+ the weight
 * travels inside the masked vector, so the site has to pick it.
 * @param fit the local round's sample count and metrics (trainLocalRound).
 * @param weighing the round's SecAggClipping: equalWeights and effectiveExamples.
 * @param maxWeight the round's maxWeight (FitConfig.secure_aggregation.max_weight), > 0.
 * @see Flower `secaggplus_mod.py` (ratio = num_examples / max_weight); McMahan et al., ICLR 2018, Alg. 1 (equal
 *   weights); issue 17 item 3
 */
export function secAggExamples(
  fit: { numExamples: number; metrics: Readonly<Record<string, number>> },
  weighing: { readonly equalWeights: boolean; readonly effectiveExamples: boolean },
  maxWeight: number,
): number {
  if (weighing.equalWeights) return maxWeight;
  if (!weighing.effectiveExamples) return fit.numExamples;
  const effective = fit.metrics[CLIENT_METRICS.effectiveExamples];
  return effective !== undefined && Number.isFinite(effective) && effective >= 0
    ? Math.min(effective, fit.numExamples)
    : fit.numExamples;
}
