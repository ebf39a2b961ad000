export { type Attack, parseAttack, poisonUpdate } from './model-poisoning.js';
