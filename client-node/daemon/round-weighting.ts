import { join } from 'node:path';
import type { ModelWeights } from '../../shared/codec/index.js';
import { parseJson, parseWith, weightingSchema } from '../../shared/config/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { writeSiteReport } from '../report/index.js';
import type { LocalTrainer, TrainOptions } from '../training/index.js';
import { labelNextQueue, planSampleWeights, uncertaintyScores } from '../weighting/index.js';

/** Samples in the site's "label next" queue. */
const LABEL_NEXT_SIZE = 100;

/** Training options and the aggregate statistics of one weighted round. */
export interface RoundWeighting {
  options: TrainOptions;
  /** Sent with the update (aggregates only): effective_examples, downweighted_ratio, label_issues_flagged, weighting_ms… */
  stats: Record<string, number>;
}

/**
 * Applies the run's per-sample weighting to one round: scores the site's samples with the global model (before local
 * training), plans weights and targets, and writes the local label-issue report when `reportDir` is set. Weights,
 * labels and the report stay on the site. Returns undefined when the announcement carries no weighting.
 * @throws {ConfigError} when the announced weighting config is invalid.
 */
export function weightRound(trainer: LocalTrainer, a: RoundAnnouncement, global: ModelWeights, reportDir?: string): RoundWeighting | undefined {
  if (!a.fit.weightingJson) return undefined;
  const config = parseWith(weightingSchema, parseJson(a.fit.weightingJson, 'announced weighting config'), 'announced weighting config');
  const started = performance.now();
  const probs = { values: trainer.predict(a.modelName, global), numClasses: trainer.data.numClasses };
  const plan = planSampleWeights({ probs, labels: trainer.data.labels, config, round: a.round, curriculumStage: a.fit.curriculumStage || 1 });
  if (reportDir) {
    const entropy = uncertaintyScores(plan.probabilities, 'entropy');
    const queue = labelNextQueue(entropy, LABEL_NEXT_SIZE).map((index) => ({ index, givenLabel: trainer.data.labels[index]!, entropy: entropy[index]! }));
    writeSiteReport(join(reportDir, a.runId), { runId: a.runId, round: a.round }, plan.issues, queue);
  }
  return { options: { sampleWeights: plan.weights, targets: plan.targets }, stats: { ...plan.stats, weighting_ms: performance.now() - started } };
}
