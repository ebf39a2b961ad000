import type { RunConfig } from '../../shared/config/index.js';
import { FedAvg } from './fedavg.js';
import type { Strategy } from './strategy.js';

const FACTORIES: Readonly<Record<RunConfig['strategy'], (config: RunConfig) => Strategy>> = {
  fedavg: (config) => new FedAvg(config),
};

/** Builds the strategy a (validated) run config names. */
export function createStrategy(config: RunConfig): Strategy {
  return FACTORIES[config.strategy](config);
}
