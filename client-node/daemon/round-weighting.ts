import type { ModelWeights } from '../../shared/codec/index.js';
import { CLIENT_METRICS, siteReportDir, type SiteSummary } from '../../shared/contract/index.js';
import { weightingFromWire, type RoundAnnouncement } from '../../shared/proto/index.js';
import { writeSiteReport } from '../report/index.js';
import type { LocalTrainer, TrainOptions } from '../training/index.js';
import {
  detectionQuality,
  labelNextQueue,
  planSampleWeights,
  uncertaintyScores,
  type WeightingPlan,
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
  /** Experiments only: 1 for each sample whose label was flipped on purpose, to score detection against. */
  wrongLabels?: Uint8Array;
  /** Rows the data schema's `drop` policy left out of the site's table (reported in the summary); none without a schema. */
  droppedRows?: number;
}

/**
 * Applies the run's per-sample weighting to one round: scores the site's samples with the global model (before local
 * training), plans weights and targets, and writes the local label-issue report when `site.reportDir` is set. Weights,
 * labels and the report stay on the site. Returns undefined when the announcement carries no weighting or the round
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
    const detection = site.wrongLabels && detectionAgainst(plan, trainer.data.labels, site.wrongLabels);
    const summary: SiteSummary = {
      runId: a.runId,
      round: a.round,
      samples: trainer.data.labels.length,
      issues: plan.issues.length,
      ...(site.droppedRows !== undefined && { droppedRows: site.droppedRows }),
      stats,
      ...(detection && { detection }),
    };
    writeSiteReport(siteReportDir(site.reportDir, a.runId), summary, plan.issues, queue);
  }
  return { options: { sampleWeights: plan.weights, targets: plan.targets }, stats };
}

/** Detection quality of a plan's label issues; the suspicion score is 1 − p̂(given label). */
function detectionAgainst(plan: WeightingPlan, labels: Int32Array, wrong: Uint8Array) {
  const k = plan.probabilities.numClasses;
  const suspicion = Float32Array.from(labels, (y, i) => 1 - plan.probabilities.values[i * k + y]!);
  const flagged = new Uint8Array(labels.length);
  for (const issue of plan.issues) flagged[issue.index] = 1;
  return detectionQuality(suspicion, flagged, wrong);
}
