/**
 * Predicted class probabilities of n samples over K classes, row-major [n × K] (row i = sample i).
 * Every function here is pure over these arrays; none imports tfjs.
 */
export interface ProbabilityMatrix {
  readonly values: Float32Array;
  readonly numClasses: number;
}

/** Number of rows (samples) of a probability matrix. */
export function numRows(p: ProbabilityMatrix): number {
  return p.values.length / p.numClasses;
}

/** Row i as a view (no copy). */
export function row(p: ProbabilityMatrix, i: number): Float32Array {
  return p.values.subarray(i * p.numClasses, (i + 1) * p.numClasses);
}

/**
 * Checks that `labels` gives one label per probability row, each a class index in [0, K).
 * @param context names the caller in the message, e.g. "confident learning".
 * @throws {RangeError} `<context>: 3 labels for 4 probability rows` or `<context>: label 5 of sample 2 is outside [0, 3)`.
 */
export function checkLabels(p: ProbabilityMatrix, labels: Int32Array, context: string): void {
  const n = numRows(p),
    k = p.numClasses;
  if (labels.length !== n) throw new RangeError(`${context}: ${labels.length} labels for ${n} probability rows`);
  labels.forEach((y, i) => {
    if (!(y >= 0 && y < k)) throw new RangeError(`${context}: label ${y} of sample ${i} is outside [0, ${k})`);
  });
}

/** Result of {@link sanitizeProbabilities}: usable rows (renormalised where needed) and which rows were refused. */
export interface SanitizedProbabilities extends ProbabilityMatrix {
  /** 1 for a usable row, 0 for a refused one (its values are left as uniform 1/K and must not drive any flag). */
  readonly valid: Uint8Array;
  /** Rows renormalised because they did not sum to 1 (within 1e-4). */
  readonly renormalised: number;
  /** Rows refused: a NaN/±∞, a value outside [0, 1], or a zero sum. */
  readonly refused: number;
}

/**
 * Makes backend "probabilities" safe for noisy-label scoring (BR-15): rows with every value finite and in [0, 1] are
 * kept, divided by their sum when it differs from 1 by more than 1e-4 (e.g. [0.2, 0.2, 0.2] → [⅓, ⅓, ⅓]); rows with
 * NaN, ±∞, values outside [0, 1] (e.g. 3.4e38) or a zero sum are refused: marked invalid and set to uniform, so they
 * are neither flagged nor trusted. Never throws on data; the input is not modified.
 */
export function sanitizeProbabilities(p: ProbabilityMatrix): SanitizedProbabilities {
  const k = p.numClasses,
    n = numRows(p);
  const values = new Float32Array(p.values.length);
  const valid = new Uint8Array(n);
  let renormalised = 0,
    refused = 0;
  for (let i = 0; i < n; i++) {
    const r = row(p, i);
    let sum = 0,
      ok = true;
    for (let j = 0; j < k; j++) {
      const v = r[j]!;
      if (!(v >= 0 && v <= 1)) ok = false; // also false for NaN
      sum += v;
    }
    const out = values.subarray(i * k, (i + 1) * k);
    if (!ok || !(sum > 0)) {
      out.fill(1 / k);
      refused++;
      continue;
    }
    valid[i] = 1;
    if (Math.abs(sum - 1) > 1e-4) {
      renormalised++;
      for (let j = 0; j < k; j++) out[j] = r[j]! / sum;
    } else out.set(r);
  }
  return { values, numClasses: k, valid, renormalised, refused };
}
