import { checkLabels, numRows, row, type ProbabilityMatrix } from './probabilities.js';

/** What confident learning finds on one site. All per-sample arrays have one entry per row of the input. */
export interface ConfidentLearningResult {
  /**
   * t_j: mean predicted probability of class j over samples labelled j; +∞ for a class no (valid) sample here is
   * labelled with, which is then never a confident class (cleanlab's NaN threshold of an empty class).
   */
  thresholds: Float64Array;
  /** C[ỹ][y*]: counts of samples labelled ỹ whose confident class is y* ([K × K], row-major). */
  confidentJoint: Float64Array;
  /** Estimated share of mislabelled samples: Σ_{ỹ≠y*} Q̂[ỹ][y*]. */
  noiseRate: number;
  /** 1 for a likely label issue (prune by noise rate), else 0. */
  flagged: Uint8Array;
  /** argmax_j p̂_{i,j} over the classes the site's labels hold: the label the model suggests. */
  suggested: Int32Array;
}

/** cleanlab's lower clip of a threshold and comparison tolerance. */
const MIN_THRESHOLD = 2e-6;
const TOLERANCE = 1e-6;

/**
 * Confident learning on one site with the global model's probabilities (the model the site did not just fit):
 * 1. per-class thresholds t_j = mean_{i: ỹ_i = j} p̂_{i,j};
 * 2. confident joint C[ỹ][y*], y* = argmax_{j: p̂_{i,j} ≥ t_j} p̂_{i,j} (rows passing no threshold are not counted);
 *    a class absent from the site's labels has t_j = +∞, so no sample is ever counted (nor flagged, nor suggested)
 *    as that class, whatever the model predicts — the site holds no evidence of what the model means by it;
 * 3. calibrated C̃[i][j] = C[i][j] / Σ_j C[i][j] · |{ỹ = i}|, Q̂ = C̃ / n;
 * 4. prune by noise rate: for each i ≠ j flag the round(C̃[i][j]) samples labelled i with the largest margin p̂_j − p̂_i.
 * Rows with `valid[i] = 0` (refused probabilities, BR-15) are never counted nor flagged.
 * @see Northcutt, Jiang & Chuang 2021, "Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 70,
 *      Eq. 1 (thresholds), Eq. 2 (confident joint), Sec. 3.2 (calibration, prune by noise rate).
 * @param labels given labels ỹ [n], each in [0, K).
 * @throws {RangeError} when labels and probabilities disagree in length or a label is out of range.
 */
export function confidentLearning(
  p: ProbabilityMatrix,
  labels: Int32Array,
  valid?: Uint8Array,
): ConfidentLearningResult {
  checkLabels(p, labels, 'confident learning');
  const k = p.numClasses,
    n = numRows(p);
  const ok = (i: number) => !valid || valid[i] === 1;
  const thresholds = classThresholds(p, labels, ok);
  const anyPresent = thresholds.some(Number.isFinite);
  const joint = new Float64Array(k * k);
  const counted = new Float64Array(k);
  const labelCount = new Float64Array(k);
  const suggested = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const r = row(p, i);
    suggested[i] = argmaxPresent(r, thresholds, anyPresent);
    if (!ok(i)) continue;
    labelCount[y]!++;
    let best = -1;
    for (let j = 0; j < k; j++) if (r[j]! >= thresholds[j]! - TOLERANCE && (best < 0 || r[j]! > r[best]!)) best = j;
    if (best >= 0) {
      joint[y * k + best]!++;
      counted[y]!++;
    }
  }
  const calibrated = joint.map((c, idx) => {
    const y = Math.floor(idx / k);
    return counted[y]! > 0 ? (c / counted[y]!) * labelCount[y]! : 0;
  });
  const total = labelCount.reduce((a, b) => a + b, 0);
  let noise = 0;
  for (let y = 0; y < k; y++) for (let j = 0; j < k; j++) if (y !== j) noise += calibrated[y * k + j]!;
  return {
    thresholds,
    confidentJoint: joint,
    noiseRate: total > 0 ? noise / total : 0,
    flagged: pruneByNoiseRate(p, labels, calibrated, ok),
    suggested,
  };
}

function classThresholds(p: ProbabilityMatrix, labels: Int32Array, ok: (i: number) => boolean): Float64Array {
  const k = p.numClasses;
  const sum = new Float64Array(k),
    count = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    if (!ok(i)) continue;
    const y = labels[i]!;
    if (y >= 0 && y < k) {
      sum[y]! += p.values[i * k + y]!;
      count[y]!++;
    }
  }
  return Float64Array.from({ length: k }, (_, j) =>
    count[j]! > 0 ? Math.max(MIN_THRESHOLD, sum[j]! / count[j]!) : Infinity,
  );
}

function pruneByNoiseRate(
  p: ProbabilityMatrix,
  labels: Int32Array,
  calibrated: Float64Array,
  ok: (i: number) => boolean,
): Uint8Array {
  const k = p.numClasses;
  const flagged = new Uint8Array(labels.length);
  const byLabel: number[][] = Array.from({ length: k }, () => []);
  labels.forEach((y, i) => ok(i) && byLabel[y]!.push(i));
  for (let y = 0; y < k; y++) {
    for (let j = 0; j < k; j++) {
      const quota = y === j ? 0 : Math.round(calibrated[y * k + j]!);
      if (quota <= 0) continue;
      const ranked = byLabel[y]!.slice().sort((a, b) => margin(p, b, j, y) - margin(p, a, j, y) || a - b);
      ranked.slice(0, quota).forEach((i) => (flagged[i] = 1));
    }
  }
  return flagged;
}

function margin(p: ProbabilityMatrix, i: number, j: number, y: number): number {
  return p.values[i * p.numClasses + j]! - p.values[i * p.numClasses + y]!;
}

/**
 * The most probable class among those with a finite threshold (present in the site's labels); any class when none is
 * (`anyPresent` false: computed once per call of confidentLearning, not per row).
 */
function argmaxPresent(r: Float32Array, thresholds: Float64Array, anyPresent: boolean): number {
  let best = -1;
  for (let j = 0; j < r.length; j++) {
    if (anyPresent && !Number.isFinite(thresholds[j]!)) continue;
    if (best < 0 || r[j]! > r[best]!) best = j;
  }
  return best;
}
