import type { RunConfig, StrategyOptions } from '../config/index.js';
import { FedAvg } from './fedavg.js';
import { FedAvgEffective } from './fedavg-effective.js';
import { FedAvgM } from './fedavgm.js';
import { FedOpt } from './fedopt.js';
import { FedProx } from './fedprox.js';
import { FedMedian, FedTrimmedAvg } from './robust/coordinate-wise.js';
import { Krum } from './robust/krum.js';
import type { Strategy } from './strategy.js';

type Factory<N extends StrategyOptions['name']> = (
  config: RunConfig,
  options: Extract<StrategyOptions, { name: N }>,
) => Strategy;

/** Strategy factories by registry name; options arrive validated by the run config schema. */
const FACTORIES: { [N in StrategyOptions['name']]: Factory<N> } = {
  fedavg: (c) => new FedAvg(c),
  'fedavg-effective': (c) => new FedAvgEffective(c),
  fedavgm: (c, o) => new FedAvgM(c, o),
  fedprox: (c, o) => new FedProx(c, o),
  fedadagrad: (c, o) => new FedOpt(c, o),
  fedadam: (c, o) => new FedOpt(c, o),
  fedyogi: (c, o) => new FedOpt(c, o),
  fedmedian: (c, o) => new FedMedian(c, o),
  fedtrimmedavg: (c, o) => new FedTrimmedAvg(c, o),
  krum: (c, o) => new Krum(c, o),
};

/** Builds the strategy a validated run config names, with its hyper-parameters. */
export function createStrategy(config: RunConfig): Strategy {
  const factory = FACTORIES[config.strategy.name] as Factory<StrategyOptions['name']>;
  return factory(config, config.strategy);
}
