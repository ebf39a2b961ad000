export { runNoiseExperiment, type NoiseExperimentOptions } from './label-noise.js';
export { runByzantineExperiment } from './byzantine.js';
export { NOISE_VARIANTS, DEMO_VARIANT } from './noise-variants.js';
export { runTabularNoise } from './tabular-noise.js';
export { runCodecExperiment, codecTable, type CodecArm } from './codecs.js';
export { meanStd, gapClosed, meanOfLast, MIN_GAP, type GapClosed } from './arm-stats.js';
export { runWithRetry, type Retried } from './arm-retry.js';
export { parseNoisyClients, resolveNoisyClients, type NoisyClients } from './noisy-clients.js';
export {
  summarizeNoise,
  pairGap,
  COMPLETED,
  DID_NOT_RUN,
  type NoiseArm,
  type NoiseSummaryRow,
} from './noise-results.js';
export { summaryTable, armRow } from './noise-table.js';
