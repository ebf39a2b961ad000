export type {
  Strategy,
  StrategyContext,
  ClientPool,
  FitConfig,
  FitInstruction,
  FitResult,
  FitAccumulator,
  FitAggregate,
  ClientFailure,
  EvaluateResult,
  EvaluateAggregate,
} from './strategy.js';
export { FedAvg } from './fedavg.js';
export { RunningWeightedSum, weightedMetricMeans } from './weighted-mean.js';
export { createStrategy } from './registry.js';
