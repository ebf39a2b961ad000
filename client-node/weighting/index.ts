export { sanitizeProbabilities } from './probabilities.js';
export { uncertaintyScores, labelNextQueue } from './uncertainty.js';
export { selfPacedWeight, selfPacedWeights, paceForFraction } from './self-paced.js';
export { forgetRate, smallLossWeights } from './small-loss.js';
export { confidentLearning } from './confident-learning.js';
export { smoothLabels, bootstrapTargets, correctLabels } from './label-enhancement.js';
export { combineWeights, effectiveSampleCount } from './compose.js';
export { planSampleWeights, type WeightingPlan } from './plan.js';
export {
  labelQualityScores,
  rankByLabelQuality,
  flagMostSuspicious,
  labelReport,
  type LabelIssue,
  type LabelReport,
} from './label-quality.js';
export { detectionQuality, precisionRecallCurve, PR_CURVE_CUTS } from './detection.js';
export { weightHistogram, meanLossByClass } from './statistics.js';
