import type { LabelQualityScore } from '../../shared/contract/index.js';
import { checkLabels, row, type ProbabilityMatrix } from './probabilities.js';

/**
 * Scores every sample's given label with the probabilities of a model that did not fit these labels (the global model
 * before local training). For `normalized-margin` the best other class is taken among the classes the site's (valid)
 * labels hold, as confident learning never suggests a class the site lacks; with no other class present the margin
 * is over 0, i.e. (p̂(ỹ) + 1) / 2. Rows with `valid[i] = 0` (refused probabilities, BR-15) score NaN: never flagged.
 * @see cleanlab `rank.get_self_confidence_for_each_label` and `rank.get_normalized_margin_for_each_label` (same
 *      formulas, margin over every other class); Kuan & Mueller 2022, "Model-Agnostic Label Quality Scoring to Detect
 *      Real-World Label Errors" (comparison of the scores).
 * @param labels given labels ỹ [n], each in [0, K).
 * @returns scores [n].
 * @throws {RangeError} when labels and probabilities disagree in length or a label is out of range.
 */
export function labelQualityScores(
  p: ProbabilityMatrix,
  labels: Int32Array,
  score: LabelQualityScore,
  valid?: Uint8Array,
): Float32Array {
  checkLabels(p, labels, 'label quality');
  const k = p.numClasses;
  const ok = (i: number) => !valid || valid[i] === 1;
  const present = new Uint8Array(k);
  labels.forEach((y, i) => ok(i) && (present[y] = 1));
  return Float32Array.from(labels, (y, i) => {
    if (!ok(i)) return NaN;
    const r = row(p, i);
    if (score === 'self-confidence') return r[y]!;
    let other = 0;
    for (let j = 0; j < k; j++) if (j !== y && present[j] && r[j]! > other) other = r[j]!;
    return (r[y]! - other + 1) / 2;
  });
}

/**
 * Sample indices from most to least suspicious: ascending score, ties by index; NaN scores (refused rows) last.
 * @returns a permutation of 0 … n − 1.
 */
export function rankByLabelQuality(scores: Float32Array): Int32Array {
  const key = (i: number) => (Number.isNaN(scores[i]!) ? Infinity : scores[i]!);
  return Int32Array.from(Array.from(scores, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b));
}

/**
 * The report's default cut: flags the `round(noiseRate · m)` most suspicious of the m samples with a finite score —
 * confident learning says how many labels are wrong (its noise-rate estimate from the calibrated confident joint), the
 * score says which. Unlike prune by noise rate, the count is not split into per-(given, true) class quotas, so a model
 * whose probabilities are spread over several classes (label smoothing) cannot spend a quota twice on one sample.
 * @see Northcutt, Jiang & Chuang 2021, JAIR 70, Sec. 3.2 (noise rate from the calibrated confident joint); cleanlab
 *      `filter.find_label_issues` (`return_indices_ranked_by`: the flagged set ordered by a label-quality score).
 * @param order the ranking of {@link rankByLabelQuality}.
 * @param noiseRate estimated share of wrong labels, in [0, 1].
 * @returns flags [n], 1 = flagged; NaN scores are never flagged.
 * @throws {RangeError} for a noise rate outside [0, 1] or an order of another length.
 */
export function flagMostSuspicious(scores: Float32Array, order: Int32Array, noiseRate: number): Uint8Array {
  if (!(noiseRate >= 0 && noiseRate <= 1)) throw new RangeError(`noise rate must be in [0, 1], got ${noiseRate}`);
  if (order.length !== scores.length)
    throw new RangeError(`flagMostSuspicious: ${order.length} ranks for ${scores.length} scores`);
  const scored = scores.reduce((c, s) => c + (Number.isNaN(s) ? 0 : 1), 0);
  const flagged = new Uint8Array(scores.length);
  order.subarray(0, Math.round(noiseRate * scored)).forEach((i) => (flagged[i] = 1));
  return flagged;
}

/** One row of the site's label report (never sent to the coordinator). */
export interface LabelIssue {
  /** Index of the sample in the site's dataset. */
  index: number;
  givenLabel: number;
  /** The class the global model gives most probability among the classes the site's labels hold. */
  suggestedLabel: number;
  /** Label-quality score of the given label (lower = more likely wrong); null for a refused probability row. */
  score: number | null;
  /** True when the sample is within the report's default cut ({@link flagMostSuspicious}). */
  flagged: boolean;
  /** True when training used the suggested label instead of the given one this round (what training did, not the cut). */
  corrected: boolean;
}

/** What the site's label report is built from: the weighting plan's inputs and confident learning's outputs. */
export interface LabelReportInput {
  /** The global model's sanitised probabilities on the site's samples [n × K], and which rows are usable. */
  probabilities: ProbabilityMatrix & { readonly valid: Uint8Array };
  /** Given labels [n]. */
  labels: Int32Array;
  /** Confident learning's estimated share of wrong labels, in [0, 1]. */
  noiseRate: number;
  /** Suggested label per sample [n]. */
  suggested: Int32Array;
  /** 1 where training corrected the label this round [n]. */
  corrected: Uint8Array;
}

/** The site's ranked label report: every sample, most suspicious first, and the scores and flags behind it. */
export interface LabelReport {
  rows: LabelIssue[];
  /** Label-quality score per sample index [n] (NaN for a refused row). */
  scores: Float32Array;
  /** 1 for a sample within the default cut, per sample index [n]. */
  flagged: Uint8Array;
}

/**
 * Ranks every sample of the site by its label-quality score and flags the default cut, whatever training did with the
 * label (a corrected label is ranked and flagged like any other): what the site's report lists and what its detection
 * quality is measured on.
 * @throws {RangeError} as {@link labelQualityScores} and {@link flagMostSuspicious}.
 */
export function labelReport(input: LabelReportInput, score: LabelQualityScore): LabelReport {
  const { probabilities: p, labels } = input;
  const scores = labelQualityScores(p, labels, score, p.valid);
  const order = rankByLabelQuality(scores);
  const flagged = flagMostSuspicious(scores, order, input.noiseRate);
  const rows = Array.from(order, (i) => ({
    index: i,
    givenLabel: labels[i]!,
    suggestedLabel: input.suggested[i]!,
    score: Number.isNaN(scores[i]!) ? null : scores[i]!,
    flagged: flagged[i] === 1,
    corrected: input.corrected[i] === 1,
  }));
  return { rows, scores, flagged };
}
