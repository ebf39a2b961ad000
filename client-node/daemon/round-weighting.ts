import type { ModelWeights } from '../../shared/codec/index.js';
import {
  CLIENT_METRICS,
  siteReportDir,
  type LabelQualityScore,
  type SiteSummary,
} from '../../shared/contract/index.js';
import { weightingFromWire, type RoundAnnouncement } from '../../shared/proto/index.js';
import { writeSiteReport } from '../report/index.js';
import type { LocalTrainer, TrainOptions } from '../training/index.js';
import {
  detectionQuality,
  labelNextQueue,
  labelReport,
  planSampleWeights,
  precisionRecallCurve,
  PR_CURVE_CUTS,
  uncertaintyScores,
  type LabelReport,
} from '../weighting/index.js';

/** Samples in the site's "label next" queue. */
const LABEL_NEXT_SIZE = 100;

/** Training options and the aggregate statistics of one weighted round. */
export interface RoundWeighting {
  options: TrainOptions;
  /** Sent with the update (aggregates only): effective_examples, downweighted_ratio, label_issues_flagged, weighting_ms… */
  stats: Record<string, number>;
}

/** Where a weighted round's local report goes. */
export interface SiteReporting {
  /** Directory of the site's label-issue report; none = no report. */
  reportDir?: string;
  /** The label-quality score the report ranks every sample by. @default "self-confidence" */
  reportScore?: LabelQualityScore;
  /** Experiments only: 1 for each sample whose label was flipped on purpose, to score detection against. */
  wrongLabels?: Uint8Array;
  /** Rows the data schema's `drop` policy left out of the site's table (reported in the summary); none without a schema. */
  droppedRows?: number;
}

/**
 * Applies the run's per-sample weighting to one round: scores the site's samples with the global model (before local
 * training), plans weights and targets, and writes the local label-issue report when `site.reportDir` is set: every
 * sample ranked by `site.reportScore` from those same probabilities (a model that did not fit these labels), flagged at
 * the default cut whatever training does with the label (labelReport). Weights, labels and the report stay on the site. Returns undefined when the announcement carries no weighting or the round
 * is before the weighting's `startRound`.
 * @throws {ConfigError} when the announced weighting config is invalid.
 */
export function weightRound(
  trainer: LocalTrainer,
  a: RoundAnnouncement,
  global: ModelWeights,
  site: SiteReporting = {},
): RoundWeighting | undefined {
  const config = weightingFromWire(a.fit.weighting);
  if (!config || a.round < config.startRound) return undefined;
  const started = performance.now();
  const probs = { values: trainer.predict(global), numClasses: trainer.data.numClasses };
  const plan = planSampleWeights({
    probs,
    labels: trainer.data.labels,
    config,
    round: a.round,
    curriculumStage: a.fit.curriculumStage || 1,
  });
  const stats = { ...plan.stats, [CLIENT_METRICS.weightingMs]: performance.now() - started };
  if (site.reportDir) {
    const entropy = uncertaintyScores(plan.probabilities, 'entropy');
    const queue = labelNextQueue(entropy, LABEL_NEXT_SIZE).map((index) => ({
      index,
      givenLabel: trainer.data.labels[index]!,
      entropy: entropy[index]!,
    }));
    const score = site.reportScore ?? 'self-confidence';
    const report = labelReport({ ...plan, labels: trainer.data.labels }, score);
    const detection = site.wrongLabels && detectionAgainst(report, site.wrongLabels);
    const summary: SiteSummary = {
      runId: a.runId,
      round: a.round,
      samples: trainer.data.labels.length,
      issues: report.rows.filter((r) => r.flagged).length,
      score,
      ...(site.droppedRows !== undefined && { droppedRows: site.droppedRows }),
      stats,
      ...(detection && { detection }),
    };
    writeSiteReport(siteReportDir(site.reportDir, a.runId), summary, report.rows, queue);
  }
  return { options: { sampleWeights: plan.weights, targets: plan.targets }, stats };
}

/**
 * Detection quality of the report's default cut against the labels flipped on purpose, with the precision–recall curve
 * over score cuts. The suspicion score is 1 − the label-quality score; a refused row (NaN score, ranked last) gets −1,
 * below every other.
 */
function detectionAgainst(report: LabelReport, wrong: Uint8Array) {
  const suspicion = report.scores.map((s) => (Number.isNaN(s) ? -1 : 1 - s));
  const quality = detectionQuality(suspicion, report.flagged, wrong);
  return { ...quality, curve: precisionRecallCurve(report.scores, wrong, PR_CURVE_CUTS) };
}
