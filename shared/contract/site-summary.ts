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
}

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
  /** Likely label issues listed in `label-issues.{csv,json}` (flagged or corrected). */
  issues: number;
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
