import { numRows, row, type ProbabilityMatrix } from './probabilities.js';

/**
 * Label smoothing: soft targets (1 − ε)·onehot(ỹ) + ε/K.
 * @see Szegedy et al. 2016, "Rethinking the Inception Architecture for Computer Vision", Sec. 7.
 * @returns [n × K] row-major; each row sums to 1. @throws {RangeError} for ε outside [0, 1].
 */
export function smoothLabels(labels: Int32Array, numClasses: number, epsilon: number): Float32Array {
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`label smoothing ε must be in [0, 1], got ${epsilon}`);
  const out = new Float32Array(labels.length * numClasses).fill(epsilon / numClasses);
  labels.forEach((y, i) => (out[i * numClasses + y] = out[i * numClasses + y]! + 1 - epsilon));
  return out;
}

/**
 * Bootstrapped targets from the global model: soft β·onehot(ỹ) + (1 − β)·p̂, or hard β·onehot(ỹ) + (1 − β)·onehot(argmax p̂).
 * @see Reed et al. 2014, "Training Deep Neural Networks on Noisy Labels with Bootstrapping", Eqs. 6 (soft) and 8 (hard).
 * @returns [n × K] row-major. @throws {RangeError} for β outside [0, 1] or a length mismatch.
 */
export function bootstrapTargets(
  labels: Int32Array,
  p: ProbabilityMatrix,
  beta: number,
  mode: 'soft' | 'hard',
): Float32Array {
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`bootstrapping β must be in [0, 1], got ${beta}`);
  const k = p.numClasses,
    n = numRows(p);
  if (labels.length !== n) throw new RangeError(`bootstrapping: ${labels.length} labels for ${n} probability rows`);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const r = row(p, i);
    const o = out.subarray(i * k, (i + 1) * k);
    if (mode === 'soft') for (let j = 0; j < k; j++) o[j] = (1 - beta) * r[j]!;
    else o[r.indexOf(Math.max(...r))] = 1 - beta;
    o[labels[i]!] = o[labels[i]!]! + beta;
  }
  return out;
}

/** Corrected labels and which samples changed. */
export interface LabelCorrection {
  labels: Int32Array;
  /** Indices whose label was replaced by the model's prediction. */
  corrected: number[];
}

/**
 * Corrects confidently wrong labels: when the global model's top probability is ≥ `threshold` and its class differs
 * from the given label, use the model's class (FedCorr-style relabelling). Refused rows (`valid[i] = 0`) are never
 * corrected, and no label becomes a class the site's (valid) labels lack: the site holds no example of it.
 * @throws {RangeError} for a threshold outside (0, 1].
 * @see Xu et al. 2022, "FedCorr: Multi-Stage Federated Learning for Label Noise Correction", Sec. 3.3 (relabelling).
 */
export function correctLabels(
  labels: Int32Array,
  p: ProbabilityMatrix,
  threshold: number,
  valid?: Uint8Array,
): LabelCorrection {
  if (!(threshold > 0 && threshold <= 1))
    throw new RangeError(`correction threshold must be in (0, 1], got ${threshold}`);
  const out = Int32Array.from(labels);
  const corrected: number[] = [];
  const present = new Uint8Array(p.numClasses);
  labels.forEach((y, i) => (!valid || valid[i]) && (present[y] = 1));
  for (let i = 0; i < labels.length; i++) {
    if (valid && !valid[i]) continue;
    const r = row(p, i);
    const top = Math.max(...r);
    const cls = r.indexOf(top);
    if (top >= threshold && cls !== labels[i] && present[cls]) {
      out[i] = cls;
      corrected.push(i);
    }
  }
  return { labels: out, corrected };
}
