export { type Attack, parseAttack, poisonUpdate } from './model-poisoning.js';
export { type LabelNoise, type NoisyLabels, injectLabelNoise, parseLabelNoise } from './label-noise.js';
