export {
  RUN_CONFIG_KEYS,
  asRunConfigError,
  parseRunConfig,
  parseRunConfigJson,
  runConfigError,
  type RunConfig,
} from './run-config.js';
export { type StrategyOptions } from '../strategies/index.js';
