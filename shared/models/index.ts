export {
  NUM_CLASSES,
  MODEL_NAMES,
  getModelDefinition,
  dataMismatch,
  modelsFor,
  modelSpecs,
  readWeights,
  writeWeights,
} from './registry.js';
export { evaluateModel, type EvaluationResult } from './evaluate.js';
