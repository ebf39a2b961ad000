import { numRows, row, type ProbabilityMatrix } from './probabilities.js';

/** Active-learning uncertainty scores of each sample; higher = more worth (re)labelling. One value per row. */
export type UncertaintyScore = 'entropy' | 'margin' | 'least-confidence';

/**
 * Uncertainty of every row of `p` (rows should be sanitised first):
 * - entropy: H(p) = −Σ_k p_k ln p_k (nats; 0 for a one-hot row, ln K for uniform);
 * - margin: 1 − (p_(1) − p_(2)), one minus the gap between the two largest probabilities;
 * - least-confidence: 1 − max_k p_k.
 * @see Settles 2009, "Active Learning Literature Survey", Sec. 3.1 (Eqs. for least confident, margin, entropy).
 * @returns Float32Array [n].
 */
export function uncertaintyScores(p: ProbabilityMatrix, score: UncertaintyScore): Float32Array {
  const n = numRows(p);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = row(p, i);
    if (score === 'entropy') {
      let h = 0;
      for (const v of r) if (v > 0) h -= v * Math.log(v);
      out[i] = h;
    } else {
      let first = -Infinity,
        second = -Infinity;
      for (const v of r) {
        if (v > first) [first, second] = [v, first];
        else if (v > second) second = v;
      }
      out[i] = score === 'margin' ? 1 - (first - (Number.isFinite(second) ? second : 0)) : 1 - first;
    }
  }
  return out;
}

/**
 * Indices of the `k` most uncertain samples, most uncertain first (ties: lower index first) — the "label next" queue.
 */
export function labelNextQueue(scores: Float32Array, k: number): number[] {
  return Array.from(scores.keys())
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, Math.max(0, k));
}
