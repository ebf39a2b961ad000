export { startAggregator, type Aggregator } from './aggregator.js';
export { SubFleetAccumulator, subFleetEvaluation, type SubFleetAggregate } from './sub-fleet-fold.js';
