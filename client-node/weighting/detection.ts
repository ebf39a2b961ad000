import type { DetectionQuality } from '../../shared/contract/index.js';

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
