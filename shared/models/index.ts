export { type ModelDefinition, MODEL_NAMES, getModelDefinition, modelSpecs, readWeights, writeWeights } from './registry.js';
export { evaluateModel, type EvaluationResult } from './evaluate.js';
