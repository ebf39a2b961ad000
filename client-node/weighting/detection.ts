import type { DetectionQuality, PrecisionRecallPoint } from '../../shared/contract/index.js';

/** The label-quality score cuts of a site report's precision–recall curve (scores are in [0, 1]). */
export const PR_CURVE_CUTS: readonly number[] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/**
 * Scores label-issue detection against the ground truth of an experiment (injected noise): precision and recall of
 * the flagged set, and the AUROC of a per-sample suspicion score (higher = more likely wrong), computed as the
 * Mann–Whitney U statistic with ties counted one half: AUROC = (R₁ − n₁(n₁ + 1)/2) / (n₁ n₀), R₁ the rank sum of the
 * noisy samples under average ranks.
 * @see Hanley & McNeil 1982, "The meaning and use of the area under a ROC curve", Radiology 143, Eq. 2.
 * @param suspicion [n], e.g. 1 − p̂(given label).
 * @param flagged [n], 1 = flagged as a label issue.
 * @param wrong [n], 1 = the label is known to be wrong.
 * @throws {RangeError} when the three arrays differ in length.
 */
export function detectionQuality(suspicion: Float32Array, flagged: Uint8Array, wrong: Uint8Array): DetectionQuality {
  const n = suspicion.length;
  if (flagged.length !== n || wrong.length !== n)
    throw new RangeError(`detectionQuality: ${n} scores, ${flagged.length} flags, ${wrong.length} mask entries`);
  let noisy = 0,
    flaggedCount = 0,
    hits = 0;
  for (let i = 0; i < n; i++) {
    noisy += wrong[i]!;
    flaggedCount += flagged[i]!;
    hits += flagged[i]! & wrong[i]!;
  }
  return {
    samples: n,
    noisy,
    flagged: flaggedCount,
    precision: hits / flaggedCount,
    recall: hits / noisy,
    auroc: auroc(suspicion, wrong, noisy),
  };
}

/**
 * Precision and recall of flagging every sample whose label-quality score is strictly below each cut, against the
 * ground truth of an experiment. A NaN score (a refused row) is never flagged, and still counts as noisy when its label
 * is wrong.
 * @param scores [n] label-quality scores, lower = more likely wrong.
 * @param wrong [n], 1 = the label is known to be wrong.
 * @param cuts the score values to cut at, e.g. {@link PR_CURVE_CUTS}.
 * @returns one point per cut, in the order given; precision is NaN where nothing is flagged, recall where no label is wrong.
 * @throws {RangeError} when scores and mask differ in length.
 */
export function precisionRecallCurve(
  scores: Float32Array,
  wrong: Uint8Array,
  cuts: readonly number[],
): PrecisionRecallPoint[] {
  if (wrong.length !== scores.length)
    throw new RangeError(`precisionRecallCurve: ${scores.length} scores, ${wrong.length} mask entries`);
  const noisy = wrong.reduce((a, b) => a + b, 0);
  return cuts.map((cut) => {
    let flagged = 0,
      hits = 0;
    scores.forEach((s, i) => {
      if (!(s < cut)) return;
      flagged++;
      hits += wrong[i]!;
    });
    return { cut, flagged, precision: hits / flagged, recall: hits / noisy };
  });
}

function auroc(score: Float32Array, positive: Uint8Array, positives: number): number {
  const n = score.length,
    negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && score[order[end + 1]!] === score[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let j = start; j <= end; j++) if (positive[order[j]!]) rankSum += averageRank;
    start = end + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
