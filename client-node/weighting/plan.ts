import type { WeightingConfig } from '../../shared/config/index.js';
import { CLASS_LOSS_METRICS, CLIENT_METRICS, WEIGHT_HIST_METRICS } from '../../shared/contract/index.js';
import { combineWeights, effectiveSampleCount } from './compose.js';
import { confidentLearning } from './confident-learning.js';
import { bootstrapTargets, correctLabels, smoothLabels } from './label-enhancement.js';
import { sanitizeProbabilities, type ProbabilityMatrix, type SanitizedProbabilities } from './probabilities.js';
import { paceForFraction, selfPacedWeights } from './self-paced.js';
import { forgetRate, smallLossWeights } from './small-loss.js';
import { meanLossByClass, weightHistogram } from './statistics.js';

/** The weights and targets of one round of local training, and what may be reported. */
export interface WeightingPlan {
  /** Final weight per sample, [n] in [0, 1]. */
  weights: Float32Array;
  /** Training targets [n × K] (one-hot of the possibly corrected labels, smoothed when configured). */
  targets: Float32Array;
  /**
   * Aggregate statistics sent with the update (names and units: shared/contract CLIENT_METRICS): effective_examples,
   * downweighted_ratio, label_issues_flagged, labels_corrected, noise_rate_estimate, curriculum_stage,
   * probabilities_refused, weight_hist_<b> (WEIGHT_HIST_METRICS) and class_loss_<j> (CLASS_LOSS_METRICS; absent for a
   * class the site lacks).
   */
  stats: Record<string, number>;
  /** The sanitised probabilities the plan was made from (for the site's label report and active-learning queue). */
  probabilities: SanitizedProbabilities;
  /** Confident learning's estimate of the share of wrong labels, whichever noisy-label component training uses. */
  noiseRate: number;
  /** The label the global model suggests per sample [n] (confident learning: a class the site's labels hold). */
  suggested: Int32Array;
  /** 1 where training replaces the given label by the suggested one this round [n]. */
  corrected: Uint8Array;
}

/** Inputs of {@link planSampleWeights}. */
export interface PlanInput {
  /** The global model's predicted probabilities on the site's samples, [n × K]. */
  probs: ProbabilityMatrix;
  /** Given labels [n]. */
  labels: Int32Array;
  config: WeightingConfig;
  /** 1-based round. */
  round: number;
  /** Admitted share broadcast by the coordinator, in (0, 1]. */
  curriculumStage: number;
}

/**
 * Computes this round's per-sample weights and targets from the global model's probabilities (scored before local
 * training, so the model judging a label did not just fit it):
 * 1. sanitise the probabilities (BR-15); refused rows keep weight 1 and their label;
 * 2. confident learning flags likely label issues (Northcutt et al. 2021); with `correctLabelsAbove`, confidently
 *    wrong labels are replaced by the model's class and keep weight 1;
 * 3. noisy-label component: 1 − flagged (confident learning) or small-loss selection (Co-teaching schedule);
 * 4. curriculum component: self-paced weights at the pace that admits the broadcast stage's share of losses;
 * 5. components combine (product or min); targets are one-hot of the (corrected) labels, bootstrapped towards the
 *    global model's prediction when configured (Reed et al. 2014), then smoothed by ε.
 * Losses are ℓᵢ = −ln p̂(ỹᵢ), clipped at p̂ ≥ 1e-7.
 */
export function planSampleWeights(input: PlanInput): WeightingPlan {
  const { labels, config, round, curriculumStage } = input;
  const p = sanitizeProbabilities(input.probs);
  const k = p.numClasses,
    n = labels.length;
  const cl = confidentLearning(p, labels, p.valid);
  const correction =
    config.correctLabelsAbove === null
      ? { labels, corrected: [] as number[] }
      : correctLabels(labels, p, config.correctLabelsAbove, p.valid);
  const isCorrected = new Uint8Array(n);
  correction.corrected.forEach((i) => (isCorrected[i] = 1));
  const losses = Float32Array.from(labels, (y, i) => -Math.log(Math.max(p.values[i * k + y]!, 1e-7)));

  const components: Float32Array[] = [];
  if (config.noisyLabels === 'confident-learning')
    components.push(Float32Array.from(cl.flagged, (f, i) => (f && !isCorrected[i] ? 0 : 1)));
  if (config.noisyLabels === 'small-loss')
    components.push(
      smallLossWeights(losses, forgetRate(round, config.smallLoss.noiseRate, config.smallLoss.warmupRounds)),
    );
  if (config.curriculum.regularizer !== 'none') {
    const validLosses = losses.filter((_, i) => p.valid[i] === 1);
    components.push(
      selfPacedWeights(losses, paceForFraction(validLosses, curriculumStage), config.curriculum.regularizer),
    );
  }
  const weights = components.length ? combineWeights(components, config.combine) : new Float32Array(n).fill(1);
  p.valid.forEach((v, i) => v === 0 && (weights[i] = 1));

  const flaggedCount = cl.flagged.reduce((a, b) => a + b, 0);
  const downweighted = weights.reduce((c, w) => c + (w < 0.5 ? 1 : 0), 0);
  return {
    weights,
    targets: trainingTargets(correction.labels, p, config),
    stats: {
      [CLIENT_METRICS.effectiveExamples]: effectiveSampleCount(weights),
      [CLIENT_METRICS.downweightedRatio]: n ? downweighted / n : 0,
      [CLIENT_METRICS.labelIssuesFlagged]: flaggedCount,
      [CLIENT_METRICS.labelsCorrected]: correction.corrected.length,
      [CLIENT_METRICS.noiseRateEstimate]: cl.noiseRate,
      [CLIENT_METRICS.curriculumStage]: curriculumStage,
      [CLIENT_METRICS.probabilitiesRefused]: p.refused,
      ...distributionStats(weights, losses, labels, p),
    },
    probabilities: p,
    noiseRate: cl.noiseRate,
    suggested: cl.suggested,
    corrected: isCorrected,
  };
}

/** One-hot (or bootstrapped) targets of `labels`, smoothed by ε; refused probability rows keep their one-hot label. */
function trainingTargets(labels: Int32Array, p: SanitizedProbabilities, config: WeightingConfig): Float32Array {
  const k = p.numClasses,
    eps = config.labelSmoothing;
  if (!config.bootstrap) return smoothLabels(labels, k, eps);
  const targets = bootstrapTargets(labels, p, config.bootstrap.beta, config.bootstrap.mode);
  const oneHot = smoothLabels(labels, k, 0);
  for (let i = 0; i < labels.length; i++) {
    for (let j = i * k; j < (i + 1) * k; j++)
      targets[j] = (1 - eps) * (p.valid[i] ? targets[j]! : oneHot[j]!) + eps / k;
  }
  return targets;
}

/** The weight histogram and the mean loss by class, as flat metric names. */
function distributionStats(
  weights: Float32Array,
  losses: Float32Array,
  labels: Int32Array,
  p: SanitizedProbabilities,
): Record<string, number> {
  const out: Record<string, number> = {};
  weightHistogram(weights).forEach((share, b) => (out[WEIGHT_HIST_METRICS.name(b)] = share));
  meanLossByClass(losses, labels, p.numClasses, p.valid).forEach(
    (m, j) => Number.isFinite(m) && (out[CLASS_LOSS_METRICS.name(j)] = m),
  );
  return out;
}
