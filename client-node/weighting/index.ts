export { type ProbabilityMatrix, type SanitizedProbabilities, sanitizeProbabilities, numRows, row } from './probabilities.js';
export { type UncertaintyScore, uncertaintyScores, labelNextQueue } from './uncertainty.js';
export { type SelfPacedRegularizer, selfPacedWeight, selfPacedWeights, paceForFraction } from './self-paced.js';
export { type PacingFunction, type Pacing, curriculumStage } from './pacing.js';
export { forgetRate, smallLossWeights } from './small-loss.js';
export { type ConfidentLearningResult, confidentLearning } from './confident-learning.js';
export { smoothLabels, bootstrapTargets, correctLabels, type LabelCorrection } from './label-enhancement.js';
export { combineWeights, effectiveSampleCount } from './compose.js';
