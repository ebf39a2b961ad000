export { runNoiseExperiment } from './label-noise.js';
export { runByzantineExperiment } from './byzantine.js';
export { NOISE_VARIANTS, DEMO_VARIANT } from './noise-variants.js';
export { runTabularNoise } from './tabular-noise.js';
export { runCodecExperiment, codecTable, type CodecArm } from './codecs.js';
