export { runConfigSchema, RUN_CONFIG_KEYS, parseRunConfig, parseRunConfigJson, type RunConfig } from './run-config.js';
export { strategyOptionsSchema, type StrategyOptions, type StrategyOptionsOf } from '../strategies/index.js';
