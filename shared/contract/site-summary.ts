import { join } from 'node:path';

/**
 * How well a site's label-issue flags and scores match a known mask of wrong labels (experiments only). A ratio that
 * is NaN in memory reads back as null from `summary.json` (JSON has no NaN).
 */
export interface DetectionQuality {
  /** Samples scored. */
  samples: number;
  /** Samples whose label is known to be wrong. */
  noisy: number;
  /** Samples flagged as label issues. */
  flagged: number;
  /** |flagged ∩ noisy| / |flagged|; NaN when nothing is flagged. */
  precision: number;
  /** |flagged ∩ noisy| / |noisy|; NaN when no label is wrong. */
  recall: number;
  /** Area under the ROC curve of `suspicion` against the mask; NaN when the mask is all 0 or all 1. */
  auroc: number;
  /** Precision and recall when flagging every sample whose label-quality score is below each cut, ascending cuts. */
  curve?: PrecisionRecallPoint[];
}

/** One point of a precision–recall curve over label-quality score cuts (experiments only). */
export interface PrecisionRecallPoint {
  /** Samples whose score is strictly below this value are flagged. */
  cut: number;
  /** Samples flagged at this cut. */
  flagged: number;
  /** |flagged ∩ noisy| / |flagged|; NaN (null in JSON) when nothing is flagged. */
  precision: number;
  /** |flagged ∩ noisy| / |noisy|; NaN (null in JSON) when no label is wrong. */
  recall: number;
}

/** The label-quality scores a site's report can rank its samples by (`fedsift client --report-score`). */
export const LABEL_QUALITY_SCORES = ['self-confidence', 'normalized-margin'] as const;

/**
 * A per-sample label-quality score in [0, 1], lower = more likely mislabelled (as cleanlab's `rank` module):
 * - `self-confidence`: p̂(ỹ), the model's probability of the given label;
 * - `normalized-margin`: (p̂(ỹ) − max_{j ≠ ỹ} p̂(j) + 1) / 2, the margin of the given label over the best other class.
 */
export type LabelQualityScore = (typeof LABEL_QUALITY_SCORES)[number];

/**
 * `summary.json` of a site's local label-issue report for its last weighted round: written by the client daemon
 * (client-node/report), read by the label-noise experiment harness (coordinator/lab) from the site's report folder.
 * Never sent over the network.
 */
export interface SiteSummary {
  runId: string;
  /** 1-based round the report describes (each weighted round replaces the previous one's). */
  round: number;
  /** Local training samples of the site. */
  samples: number;
  /**
   * Samples flagged at the report's default cut (the first rows of `label-issues.{csv,json}`, which rank every sample
   * by {@link SiteSummary.score}).
   */
  issues: number;
  /** The label-quality score the report ranks by. */
  score: LabelQualityScore;
  /**
   * Rows of the site's CSV that its data schema's `drop` policy left out (a missing cell or label); absent for data
   * read without a schema.
   */
  droppedRows?: number;
  /** The round's weighting statistics, as sent with the update (names: CLIENT_METRICS and the indexed families). */
  stats: Record<string, number>;
  /** Detection quality against the labels the site flipped on purpose; absent without injected label noise. */
  detection?: DetectionQuality;
}

/** File name of {@link SiteSummary} in a site's report folder. */
export const SITE_SUMMARY_FILE = 'summary.json';

/** The folder of one run's report under a site's `--report-dir`: `<reportDir>/<runId>`. */
export function siteReportDir(reportDir: string, runId: string): string {
  return join(reportDir, runId);
}
