export type {
  Strategy,
  StrategyContext,
  CentralEvaluation,
  FitConfig,
  FitInstruction,
  FitResult,
  UpdateValues,
  ValueBlocks,
  FitAccumulator,
  FitAggregate,
  ClientFailure,
  EvaluateResult,
  EvaluateAggregate,
} from './strategy.js';
export type { UpdateSpill, OpenSpill, StrategyDeps } from './update-spill.js';
export {
  STRATEGIES,
  createStrategy,
  strategyRunIssues,
  isRobustStrategy,
  weighsEffectiveExamples,
  strategyOptionsSchema,
  type StrategyName,
  type StrategyOptions,
} from './registry.js';
export {
  RunningWeightedMean,
  denseValues,
  weightedMetricMeans,
  coordinateMedian,
  coordinateTrimmedMean,
  squaredDistances,
  krumScores,
  multiKrumSelection,
} from './aggregate.js';
