export { RUN_CONFIG_KEYS, parseRunConfig, parseRunConfigJson, type RunConfig } from './run-config.js';
export { type StrategyOptions } from '../strategies/index.js';
