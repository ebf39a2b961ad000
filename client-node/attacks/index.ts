export { parseAttack, poisonUpdate } from './model-poisoning.js';
export { type LabelNoise, injectLabelNoise, parseLabelNoise } from './label-noise.js';
