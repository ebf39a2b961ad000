export type {
  Strategy,
  StrategyContext,
  ClientPool,
  CentralEvaluation,
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
export { FedAvgM } from './fedavgm.js';
export { FedProx } from './fedprox.js';
export { FedOpt } from './fedopt.js';
export { FedAvgEffective } from './fedavg-effective.js';
export { FedMedian, FedTrimmedAvg } from './robust/coordinate-wise.js';
export { Krum } from './robust/krum.js';
export { UpdateBuffer } from './robust/update-buffer.js';
export { RunningWeightedMean, weightedMetricMeans } from './weighted-mean.js';
export { createStrategy } from './registry.js';
