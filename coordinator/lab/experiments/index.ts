export { runNoiseExperiment, type NoiseArm, type NoiseExperimentOptions } from './label-noise.js';
export { runByzantineExperiment } from './byzantine.js';
export { NOISE_VARIANTS, DEMO_VARIANT, type NoiseVariant } from './noise-variants.js';
