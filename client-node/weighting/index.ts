export {
  type ProbabilityMatrix,
  type SanitizedProbabilities,
  sanitizeProbabilities,
  numRows,
  row,
} from './probabilities.js';
export { type UncertaintyScore, uncertaintyScores, labelNextQueue } from './uncertainty.js';
export { type SelfPacedRegularizer, selfPacedWeight, selfPacedWeights, paceForFraction } from './self-paced.js';
export { forgetRate, smallLossWeights } from './small-loss.js';
export { type ConfidentLearningResult, confidentLearning } from './confident-learning.js';
export { smoothLabels, bootstrapTargets, correctLabels, type LabelCorrection } from './label-enhancement.js';
export { combineWeights, effectiveSampleCount } from './compose.js';
export { planSampleWeights, type WeightingPlan, type PlanInput, type LabelIssue } from './plan.js';
export { detectionQuality } from './detection.js';
export { weightHistogram, meanLossByClass } from './statistics.js';
