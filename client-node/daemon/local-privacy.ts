import { addGaussianNoise, clipInPlace, type RandomBytes } from '../../shared/privacy/index.js';
import { InvalidRequestError } from '../../shared/errors/index.js';

/** Local differential privacy as FitConfig.local_privacy carries it. */
export interface LocalPrivacySettings {
  /** σ ≥ 0. */
  noiseMultiplier: number;
  /** C > 0, weight units. */
  clippingNorm: number;
}

/**
 * A site's update under local differential privacy: g + clip(w − g) + N(0, σ²C²·I), clip(δ) = δ·min(1, C/‖δ‖₂). The
 * trained weights are left as they are (a new vector is returned), so the coordinator only ever sees the noised one.
 * @param trained w, the locally trained weights, [parameters] float32.
 * @param global g, the round's global model as the site decoded it, same length.
 * @param settings σ and C from the round's FitConfig.
 * @param random the noise's byte source (secureRandomBytes on a site; seeded in tests).
 * @returns the privatized weights, [parameters] float32.
 * @throws {InvalidRequestError} when σ or C is out of range (a coordinator's malformed announcement).
 * @see Flower `LocalDpMod` (clip, then add noise on the client); Dwork & Roth 2014, Thm. A.1 (Gaussian mechanism).
 */
export function privatizeUpdate(
  trained: Float32Array,
  global: Float32Array,
  settings: LocalPrivacySettings,
  random: RandomBytes,
): Float32Array {
  const out = new Float32Array(trained.length);
  for (let i = 0; i < out.length; i++) out[i] = trained[i]! - global[i]!;
  privatizeDeltaInPlace(out, settings, random);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! + global[i]!;
  return out;
}

/**
 * Local differential privacy on a delta, in place: δ ← clip(δ) + N(0, σ²C²·I), clip(δ) = δ·min(1, C/‖δ‖₂) (the
 * privatizeUpdate step, for a caller that needs δ itself: SecAgg+ masks the delta).
 * @param delta δ = w − g, [parameters] float32; overwritten.
 * @throws {InvalidRequestError} when σ or C is out of range (a coordinator's malformed announcement).
 * @see Flower `LocalDpMod`; Dwork & Roth 2014, Thm. A.1 (Gaussian mechanism).
 */
export function privatizeDeltaInPlace(delta: Float32Array, settings: LocalPrivacySettings, random: RandomBytes): void {
  const { noiseMultiplier: sigma, clippingNorm: c } = settings;
  if (!(sigma >= 0 && Number.isFinite(sigma) && c > 0 && Number.isFinite(c)))
    throw new InvalidRequestError(`local privacy: noise multiplier ${sigma} and clipping norm ${c} are out of range`);
  clipInPlace(delta, c);
  if (sigma > 0) addGaussianNoise(delta, sigma * c, random);
}
