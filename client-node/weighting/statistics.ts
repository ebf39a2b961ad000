import { WEIGHT_HISTOGRAM_BINS } from '../../shared/contract/index.js';

/**
 * Share of samples per weight bin: bin b holds wᵢ ∈ [b/B, (b+1)/B), the last bin includes 1. An aggregate a site may
 * report (it reveals no sample). @param weights [n] in [0, 1]. @returns [B] shares summing to 1 (all 0 for n = 0).
 */
export function weightHistogram(weights: Float32Array, bins = WEIGHT_HISTOGRAM_BINS): Float64Array {
  const out = new Float64Array(bins);
  for (const w of weights) out[Math.min(bins - 1, Math.max(0, Math.floor(w * bins)))]!++;
  if (weights.length) for (let b = 0; b < bins; b++) out[b] = out[b]! / weights.length;
  return out;
}

/**
 * Mean per-sample loss by given label: m_j = mean of ℓᵢ over samples with ỹᵢ = j (and `valid[i] = 1` when given).
 * @param losses [n] (nats). @param labels [n] in [0, K).
 * @returns [K]; NaN for a class with no (valid) sample on the site.
 */
export function meanLossByClass(
  losses: Float32Array,
  labels: Int32Array,
  numClasses: number,
  valid?: Uint8Array,
): Float64Array {
  const sum = new Float64Array(numClasses),
    count = new Float64Array(numClasses);
  labels.forEach((y, i) => {
    if (valid && !valid[i]) return;
    sum[y] = sum[y]! + losses[i]!;
    count[y]!++;
  });
  return sum.map((s, j) => (count[j] ? s / count[j]! : NaN));
}
